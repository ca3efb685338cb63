"""Ingest speed against plain CSV readers (issue 3). A benchmark, not a test: it prints ratios.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--wide 100000] [--repeat 3]

Writes a long log (member,date,symptom,severity,notes) and a wide log (member,date,<six
Mitchell-Pike items>,sleep,jerks,notes) to a temporary folder, then times, in this process,
`oms_dash.ingest.read_file` against `pandas.read_csv` and `pyarrow.csv.read_csv` of the same bytes,
and, as whole processes, `oms-dash check --json` against a bare `python -c "import pandas;
pandas.read_csv(...)"`. Targets: ingest <= 1.5x pandas.read_csv; check <= 1.5x the bare process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from oms_dash.ingest import ReadOptions, read_file

SYMPTOMS = ("eye movements", "jerks", "walking", "standing", "hand use", "speech", "mood", "sleep",
            "tremor", "drooling")
WIDE_ITEMS = ("Eye movements (opsoclonus) 0-3", "Stance", "Balance / walking", "Arm/hand function",
              "Speech", "Mood/behaviour", "Sleep", "Jerks")
TODAY = dt.date(2026, 11, 1)


def write_long(path: Path, rows: int, seed: int = 1) -> None:
    # Every (member, day, symptom) once, in a shuffled order: a diary, not a pile of duplicates.
    rng = np.random.default_rng(seed)
    n_members = max(1, -(-rows // (2000 * len(SYMPTOMS))))
    keys = rng.permutation(n_members * 2000 * len(SYMPTOMS))[:rows]
    member, rest = np.divmod(keys, 2000 * len(SYMPTOMS))
    day, symptom = np.divmod(rest, len(SYMPTOMS))
    frame = pd.DataFrame({
        "member": np.char.add("F", np.char.zfill((member + 1).astype(str), 2)),
        "date": (np.datetime64("2020-01-01") + day.astype("timedelta64[D]")).astype(str),
        "symptom": np.array(SYMPTOMS)[symptom],
        "severity": rng.integers(0, 4, rows),
        "notes": np.where(rng.random(rows) < 0.05, "after a cold", ""),
    })
    frame.to_csv(path, index=False)


def write_wide(path: Path, rows: int, seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    n_members = max(1, -(-rows // 2000))
    keys = rng.permutation(n_members * 2000)[:rows]
    member, day = np.divmod(keys, 2000)
    frame = pd.DataFrame({"member": np.char.add("F", np.char.zfill((member + 1).astype(str), 2)),
                          "date": (np.datetime64("2020-01-01") + day.astype("timedelta64[D]")).astype(str)})
    for item in WIDE_ITEMS:
        values = rng.integers(0, 4, rows).astype(str)
        frame[item] = np.where(rng.random(rows) < 0.1, "", values)
    frame["notes"] = np.where(rng.random(rows) < 0.05, "tired today", "")
    frame.to_csv(path, index=False)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def read_and_hash(data: bytes, columns: list[str]) -> None:
    """The least any ingest that checks whole columns must do: read every cell as text (pyarrow,
    all cores) and hash each column once (the privacy scan, the duplicate check and validation all
    work on each column's distinct values). Nothing is checked, recognised or built."""
    table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.large_string())))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda column: column.dictionary_encode(), table.columns))


def bench_file(path: Path, repeat: int) -> None:
    data = path.read_bytes()
    options = ReadOptions(today=TODAY)
    result = read_file(path.name, data, options)
    report = result.report
    assert report.accounted, "row accounting broken"
    columns = data[:data.index(b"\n")].decode().split(",")  # the benchmark's own header line
    runs: dict[str, list[float]] = {"ours": [], "pandas": [], "arrow": [], "floor": []}
    for _ in range(repeat):  # interleaved, so that a busy spell on the machine hits all alike
        runs["ours"].append(timed(lambda: read_file(path.name, data, options)))
        runs["pandas"].append(timed(lambda: pd.read_csv(io.BytesIO(data))))
        runs["arrow"].append(timed(lambda: pacsv.read_csv(io.BytesIO(data))))
        runs["floor"].append(timed(lambda: read_and_hash(data, columns)))
    t_ours, t_pandas, t_arrow = min(runs["ours"]), min(runs["pandas"]), min(runs["arrow"])
    t_floor = min(runs["floor"])
    print(f"\n{path.name}: {len(data) / 1e6:.1f} MB, {report.rows_read:,} rows "
          f"({report.rows_accepted:,} accepted, {report.rows_rejected:,} rejected, "
          f"{report.rows_skipped:,} skipped), format: {report.format}")
    print(f"  oms_dash read_file     {t_ours:7.3f} s")
    print(f"  pandas.read_csv        {t_pandas:7.3f} s   ratio {t_ours / t_pandas:5.2f}x (target <= 1.5x)")
    print(f"  pyarrow.csv.read_csv   {t_arrow:7.3f} s   ratio {t_ours / t_arrow:5.2f}x")
    print(f"  floor: read + hash     {t_floor:7.3f} s   = {t_floor / t_pandas:4.2f}x pandas.read_csv "
          "(every cell read as text, each column hashed once; nothing checked or built)")


def bench_cli(path: Path, repeat: int) -> None:
    bare = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"]
    check = [sys.executable, "-m", "oms_dash.cli", "check", "--json", str(path)]
    runs: dict[str, list[float]] = {"bare": [], "check": []}
    for _ in range(repeat):  # interleaved, so that a busy spell on the machine hits both alike
        runs["bare"].append(run_process(bare))
        runs["check"].append(run_process(check))
    t_bare, t_check = min(runs["bare"]), min(runs["check"])
    print(f"\nwhole process on {path.name}:")
    print(f"  python -c 'pandas.read_csv'   {t_bare:7.3f} s")
    print(f"  oms-dash check --json         {t_check:7.3f} s   "
          f"ratio {t_check / t_bare:5.2f}x (target <= 1.5x)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the long log")
    parser.add_argument("--wide", type=int, default=100_000, help="records of the wide log")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="oms_dash_bench_") as tmp:
        long_path, wide_path = Path(tmp) / "long.csv", Path(tmp) / "wide.csv"
        write_long(long_path, args.rows)
        write_wide(wide_path, args.wide)
        bench_file(long_path, args.repeat)
        bench_file(wide_path, args.repeat)
        bench_cli(long_path, args.repeat)


if __name__ == "__main__":
    main()
