"""Ingest speed and memory over the shapes diaries have (issues 3 and 14). A benchmark, not a test:
it prints times, ratios and whether each target is met.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--wide 100000] [--repeat 5]
                                          [--shapes long_treatment,wide ...]

Writes each shape to a temporary folder:
  long            member,date,symptom,severity,notes (one symptom per row)
  long_treatment  the same with a treatment column filled on most rows (a course runs for weeks)
  long_events     the same with an event column (a cold, a fever, a jab on a few days) and notes
  forms           a Google Forms export: timestamp, email, member code, grid questions, words
  wide            member,date,<eight symptom columns>,notes (one column per symptom)
  wide_treatment  the wide diary with a treatment column
  many_columns    an odd export: 1,000 columns x 200 rows, whatever the sizes asked
then, for each shape, times in this process `oms_dash.ingest.read_file` against the floor (what any
ingest that checks whole columns cannot avoid, told the layout the ingest must find: every cell read
as text by pyarrow, each column hashed once, the dates read as dates and the scores as numbers, and
one reading per cell where each symptom has its column; see floor_work) and `pandas.read_csv` of
the same bytes; and, as whole processes, `oms-dash check --json` against a bare
`python -c "import pandas; pandas.read_csv(...)"`, with each process's peak memory (its VmHWM: the
peak resident memory ru_maxrss would give, without what Linux carries over from the benchmark's
own process). Runs are interleaved (a busy spell on the shared machine hits
all alike) and the medians compared.

Targets (issue 14): read_file <= 1.5x the floor on every shape; on long_treatment, check --json
<= 2x the bare process's time and <= 1.8x its peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from oms_dash.ingest import ReadOptions, read_file

SYMPTOMS = ("eye movements", "jerks", "walking", "standing", "hand use", "speech", "mood", "sleep",
            "tremor", "drooling")
WIDE_ITEMS = ("Eye movements (opsoclonus) 0-3", "Stance", "Balance / walking", "Arm/hand function",
              "Speech", "Mood/behaviour", "Sleep", "Jerks")
TREATMENTS = ("prednisolone 5 mg", "ACTH", "IVIG", "rituximab", "dexamethasone pulse")
EVENTS = ("cold", "fever", "vaccination", "ear infection", "tummy bug")
DAYS = 2000  # days per member: five years of a diary
TODAY = dt.date(2026, 11, 1)
READ_FILE_TARGET, CHECK_TIME_TARGET, CHECK_MEMORY_TARGET = 1.5, 2.0, 1.8
CHECK_TARGET_SHAPE = "long_treatment"


def _member_codes(member: np.ndarray) -> np.ndarray:
    return np.char.add("F", np.char.zfill((member + 1).astype(str), 2))


def _dates(day: np.ndarray) -> np.ndarray:
    return (np.datetime64("2020-01-01") + day.astype("timedelta64[D]")).astype(str)


def _daily(rng, n_members: int, values: tuple[str, ...], share: float, run_days: int) -> np.ndarray:
    """A text per (member, day), in runs of `run_days` days (a course, an illness), filled on about
    `share` of the days: index it by member * DAYS + day."""
    runs = -(-DAYS // run_days)
    picked = np.where(rng.random((n_members, runs)) < share,
                      rng.integers(0, len(values), (n_members, runs)), len(values))
    return np.array(values + ("",))[np.repeat(picked, run_days, axis=1)[:, :DAYS]].ravel()


def _long_frame(rows: int, seed: int):
    # Every (member, day, symptom) once, in a shuffled order: a diary, not a pile of duplicates.
    rng = np.random.default_rng(seed)
    n_members = max(1, -(-rows // (DAYS * len(SYMPTOMS))))
    keys = rng.permutation(n_members * DAYS * len(SYMPTOMS))[:rows]
    member, rest = np.divmod(keys, DAYS * len(SYMPTOMS))
    day, symptom = np.divmod(rest, len(SYMPTOMS))
    frame = pd.DataFrame({"member": _member_codes(member), "date": _dates(day),
                          "symptom": np.array(SYMPTOMS)[symptom],
                          "severity": rng.integers(0, 4, rows)})
    return frame, rng, n_members, member * DAYS + day


def write_long(path: Path, rows: int) -> None:
    frame, rng, _, _ = _long_frame(rows, seed=1)
    frame["notes"] = np.where(rng.random(rows) < 0.05, "after a cold", "")
    frame.to_csv(path, index=False)


def write_long_treatment(path: Path, rows: int) -> None:
    frame, rng, n_members, member_day = _long_frame(rows, seed=3)
    # A treatment is written on each of the day's rows, in courses of weeks, on ~85% of the days.
    frame["treatment"] = _daily(rng, n_members, TREATMENTS, 0.85, 45)[member_day]
    frame["notes"] = np.where(rng.random(rows) < 0.05, "after a cold", "")
    frame.to_csv(path, index=False)


def write_long_events(path: Path, rows: int) -> None:
    frame, rng, n_members, member_day = _long_frame(rows, seed=4)
    frame["event"] = _daily(rng, n_members, EVENTS, 0.03, 3)[member_day]
    frame["notes"] = np.where(rng.random(rows) < 0.05, "tired, slept badly", "")
    frame.to_csv(path, index=False)


def write_forms(path: Path, rows: int) -> None:
    """Google Forms responses: one a day per member, sent in the evening, the email collected."""
    rng = np.random.default_rng(5)
    n_members = max(1, -(-rows // DAYS))
    member, day = np.divmod(rng.permutation(n_members * DAYS)[:rows], DAYS)
    sent = (pd.Timestamp("2020-01-01 18:00") + pd.to_timedelta(day, unit="D")
            + pd.to_timedelta(rng.integers(0, 5 * 3600, rows), unit="s"))
    words = np.array(["none", "mild", "moderate", "severe"])
    frame = pd.DataFrame({
        "Timestamp": sent.strftime("%m/%d/%Y %H:%M:%S"),
        "Email address": np.char.add(np.char.add("family", (member + 1).astype(str)), "@example.com"),
        "Member code": _member_codes(member),
        "Eye movements (opsoclonus) 0-3": rng.integers(0, 4, rows),
        "How bad were the jerks? [Morning]": rng.integers(0, 4, rows),
        "How bad were the jerks? [Evening]": rng.integers(0, 4, rows),
        "Balance / walking": words[rng.integers(0, 4, rows)],
        "Sleep": rng.integers(0, 4, rows),
        "Any illness or fever?": np.where(rng.random(rows) < 0.05, "Yes, a cold", "No"),
        "Anything else?": np.where(rng.random(rows) < 0.05, "tired today", ""),
    })
    frame.to_csv(path, index=False)


def _wide_frame(rows: int, seed: int):
    rng = np.random.default_rng(seed)
    n_members = max(1, -(-rows // DAYS))
    member, day = np.divmod(rng.permutation(n_members * DAYS)[:rows], DAYS)
    frame = pd.DataFrame({"member": _member_codes(member), "date": _dates(day)})
    for item in WIDE_ITEMS:
        values = rng.integers(0, 4, rows).astype(str)
        frame[item] = np.where(rng.random(rows) < 0.1, "", values)
    return frame, rng, n_members, member * DAYS + day


def write_wide(path: Path, rows: int) -> None:
    frame, rng, _, _ = _wide_frame(rows, seed=2)
    frame["notes"] = np.where(rng.random(rows) < 0.05, "tired today", "")
    frame.to_csv(path, index=False)


def write_wide_treatment(path: Path, rows: int) -> None:
    frame, rng, n_members, member_day = _wide_frame(rows, seed=6)
    frame["treatment"] = _daily(rng, n_members, TREATMENTS, 0.85, 45)[member_day]
    frame["notes"] = np.where(rng.random(rows) < 0.05, "tired today", "")
    frame.to_csv(path, index=False)


MANY_COLUMNS, MANY_COLUMNS_ROWS = 1000, 200


def write_many_columns(path: Path, rows: int) -> None:
    """An odd export: 1,000 columns of 200 rows (the size options aside), most of them scores under
    headings oms_dash does not know, some named after symptoms, some yes/no, notes or blank."""
    rng = np.random.default_rng(7)
    rows = MANY_COLUMNS_ROWS
    columns = {"member": _member_codes(np.arange(rows) % 4), "date": _dates(np.arange(rows) // 4)}
    for i in range(MANY_COLUMNS - 2):
        kind = i % 10
        if kind == 7:
            columns[f"did you give melatonin ({i})"] = np.array(["yes", "no"])[rng.integers(0, 2, rows)]
        elif kind == 8:
            columns[f"notes {i}"] = np.where(rng.random(rows) < 0.1, "tired today", "")
        elif kind == 9:
            columns[f"blank {i}"] = np.full(rows, "")
        else:
            heading = f"{SYMPTOMS[i % len(SYMPTOMS)]} {i}" if kind < 3 else f"question {i}"
            columns[heading] = np.where(rng.random(rows) < 0.1, "", rng.integers(0, 4, rows).astype(str))
    pd.DataFrame(columns).to_csv(path, index=False)


# name -> (writer, whether its size is --rows (long) or --wide)
SHAPES = {"long": (write_long, "rows"), "long_treatment": (write_long_treatment, "rows"),
          "long_events": (write_long_events, "rows"), "forms": (write_forms, "wide"),
          "wide": (write_wide, "wide"), "wide_treatment": (write_wide_treatment, "wide"),
          "many_columns": (write_many_columns, "wide")}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# Each measured process writes its own peak resident memory (VmHWM) to a file as it ends. Its
# ru_maxrss would not do: Linux carries the forking process's peak (this benchmark's, with the
# files in memory) over into the child.
_PEAK = ("import atexit\n"
         "def _peak():\n"
         "    with open('/proc/self/status') as status, open({out!r}, 'w') as out:\n"
         "        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM')))\n"
         "atexit.register(_peak)\n")


def run_process(code: str) -> tuple[float, float]:
    """(seconds, peak memory in MB) of a whole `python -c code` process."""
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _PEAK.format(out=peak.name) + code], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return seconds, int(Path(peak.name).read_text()) / 1024  # kB


@dataclass(frozen=True)
class Layout:
    """What the floor is told of a shape, which the ingest must find out for itself: where the
    dates are and how they are written, and which columns hold scores (and what their words mean)."""

    date: str
    date_format: str
    scores: tuple[str, ...]  # one column of scores (long) or one per symptom (wide, forms)
    words: tuple[tuple[str, int], ...] = ()  # severity words in a score column, as numbers


LONG = Layout("date", "%Y-%m-%d", ("severity",))
LAYOUTS = {"long": LONG, "long_treatment": LONG, "long_events": LONG,
           "forms": Layout("Timestamp", "%m/%d/%Y %H:%M:%S",
                           ("Eye movements (opsoclonus) 0-3", "How bad were the jerks? [Morning]",
                            "How bad were the jerks? [Evening]", "Balance / walking", "Sleep"),
                           (("none", 0), ("mild", 1), ("moderate", 2), ("severe", 3))),
           "wide": Layout("date", "%Y-%m-%d", WIDE_ITEMS),
           "wide_treatment": Layout("date", "%Y-%m-%d", WIDE_ITEMS)}


def floor_work(data: bytes, columns: list[str], layout: Layout | None) -> None:
    """The least any ingest that checks whole columns must do, told the layout: read every cell as
    text (pyarrow, all cores), hash each column once (the privacy scan, the duplicate check and
    validation all work on each column's distinct values), read the dates as dates and the scores
    as numbers (each distinct value once), and, where each symptom has its column, stack the scores
    into one reading per cell. Nothing is checked or recognised, and no message is written. A shape
with no layout (an odd file, not a diary) gets the reading and hashing only."""
    table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.large_string())))
    with ThreadPoolExecutor(max_workers=2) as pool:
        encoded = dict(zip(columns, pool.map(lambda column: column.dictionary_encode().combine_chunks(),
                                             table.columns), strict=True))
    if layout is None:
        return
    dates = encoded[layout.date]
    pc.cast(pc.strptime(dates.dictionary, format=layout.date_format, unit="s", error_is_null=True),
            pa.date32()).take(dates.indices)
    words = dict(layout.words)
    values = []
    for name in layout.scores:
        column = encoded[name]
        distinct = column.dictionary.to_pylist()
        number = [words[v] if v in words else float(v) if v else np.nan for v in distinct]
        values.append(np.asarray(number, dtype=np.float64)[column.indices.to_numpy(zero_copy_only=False)])
    if len(values) > 1:  # one reading per (record, symptom)
        records = len(table)
        pd.DataFrame({"record": np.tile(np.arange(records), len(values)),
                      "item": np.repeat(np.arange(len(values)), records),
                      "value": np.concatenate(values)}, copy=False)


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_file(path: Path, repeat: int, layout: Layout | None) -> None:
    data = path.read_bytes()
    options = ReadOptions(today=TODAY)
    report = read_file(path.name, data, options).report
    assert report.accounted, "row accounting broken"
    columns = pd.read_csv(io.BytesIO(data), nrows=0).columns.tolist()
    runs: dict[str, list[float]] = {"ours": [], "floor": [], "pandas": []}
    for _ in range(repeat):  # interleaved, so that a busy spell on the machine hits all alike
        runs["ours"].append(timed(lambda: read_file(path.name, data, options)))
        runs["floor"].append(timed(lambda: floor_work(data, columns, layout)))
        runs["pandas"].append(timed(lambda: pd.read_csv(io.BytesIO(data))))
    t = {k: median(v) for k, v in runs.items()}
    print(f"\n{path.stem}: {len(data) / 1e6:.1f} MB, {report.rows_read:,} rows "
          f"({report.rows_accepted:,} accepted, {report.rows_rejected:,} rejected, "
          f"{report.rows_skipped:,} skipped), format: {report.format}")
    met = "met" if t["ours"] <= READ_FILE_TARGET * t["floor"] else "NOT met"
    print(f"  oms_dash read_file     {t['ours']:7.3f} s   ratio {t['ours'] / t['floor']:5.2f}x the floor "
          f"(target <= {READ_FILE_TARGET}x: {met})")
    print(f"  floor                  {t['floor']:7.3f} s   (cells read as text, each column hashed once, "
          "dates and scores read, scores stacked; told the layout, nothing checked)")
    print(f"  pandas.read_csv        {t['pandas']:7.3f} s   ratio {t['ours'] / t['pandas']:5.2f}x")


def bench_cli(path: Path, repeat: int, with_targets: bool) -> None:
    bare = f"import pandas; pandas.read_csv({str(path)!r})"
    check = ("import sys; from oms_dash.cli import main; "
             f"sys.exit(main(['check', '--json', {str(path)!r}]))")
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "check": []}
    for _ in range(repeat):  # interleaved, so that a busy spell on the machine hits both alike
        runs["bare"].append(run_process(bare))
        runs["check"].append(run_process(check))
    (t_bare, m_bare), (t_check, m_check) = (
        (median([s for s, _ in runs[k]]), median([m for _, m in runs[k]])) for k in ("bare", "check"))
    time_ratio, memory_ratio = t_check / t_bare, m_check / m_bare
    time_target = memory_target = ""
    if with_targets:
        time_target = (f" (target <= {CHECK_TIME_TARGET}x: "
                       f"{'met' if time_ratio <= CHECK_TIME_TARGET else 'NOT met'})")
        memory_target = (f" (target <= {CHECK_MEMORY_TARGET}x: "
                         f"{'met' if memory_ratio <= CHECK_MEMORY_TARGET else 'NOT met'})")
    print("  whole process, time and peak memory (VmHWM):")
    print(f"    python -c 'pandas.read_csv'   {t_bare:7.3f} s  {m_bare:7.0f} MB")
    print(f"    oms-dash check --json         {t_check:7.3f} s  {m_check:7.0f} MB   "
          f"ratio {time_ratio:4.2f}x{time_target}, memory {memory_ratio:4.2f}x{memory_target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each long diary")
    parser.add_argument("--wide", type=int, default=100_000, help="records of the wide diaries and form")
    parser.add_argument("--repeat", type=int, default=5, help="median of this many interleaved runs")
    parser.add_argument("--shapes", default=",".join(SHAPES),
                        help=f"comma-separated, of: {', '.join(SHAPES)}")
    parser.add_argument("--no-process", action="store_true",
                        help="time read_file only, not the whole oms-dash check process")
    args = parser.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown:
        parser.error(f"unknown shapes: {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="oms_dash_bench_") as tmp:
        for shape in shapes:
            write, size = SHAPES[shape]
            path = Path(tmp) / f"{shape}.csv"
            write(path, args.rows if size == "rows" else args.wide)
            bench_file(path, args.repeat, LAYOUTS.get(shape))
            if not args.no_process:
                bench_cli(path, args.repeat, with_targets=shape == CHECK_TARGET_SHAPE)


if __name__ == "__main__":
    main()
