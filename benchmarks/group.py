"""The group file against the logs it replaces (issue 16). A benchmark, not a test: it prints ratios.

    .venv/bin/python benchmarks/group.py [--sizes 40,137] [--repeat 3]

For each size, writes one long diary per family (member,date,symptom,severity; ten symptoms a day
over two years: 40 families are about 300k observations, 137 about 1M) to a temporary folder, adds
them to a new group file, then times, in this process, opening the group (`group_file.load`)
against reading the same logs from CSV (`ingest.read_file` of each, then `ingest.merge`); times
adding a month of logs (about 10k rows) to the group; and compares the file's size with the same
observations written as gzip-compressed CSV. Targets: opening <= 0.5x reading the CSVs; adding 10k
rows to the 1M group <= 1 s; the file <= 1.5x the gzip CSV.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from oms_dash import group_file
from oms_dash.ingest import ReadOptions, merge, read_file

SYMPTOMS = ("opsoclonus", "myoclonus", "ataxia", "stance", "hand use", "speech", "mood", "sleep",
            "tremor", "drooling")
DAYS = 730
PASSPHRASE = "benchmark passphrase for the group file"
OPTIONS = ReadOptions(today=None)


def write_family(path: Path, member: str, start: str, days: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    day = np.repeat(np.arange(days), len(SYMPTOMS))
    frame = pd.DataFrame({
        "member": member,
        "date": (np.datetime64(start) + day.astype("timedelta64[D]")).astype(str),
        "symptom": np.tile(SYMPTOMS, days),
        "severity": rng.integers(0, 4, len(day)),
    })
    frame.to_csv(path, index=False)


def read_logs(paths: list[Path]):
    return [read_file(p.name, p.read_bytes(), OPTIONS) for p in paths]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(families: int, repeat: int, folder: Path) -> None:
    logs = []
    for i in range(families):
        path = folder / f"family{i + 1:03d}.csv"
        write_family(path, f"F{i + 1:03d}", "2024-01-01", DAYS, seed=i)
        logs.append(path)
    path = folder / f"group{families}.omsgroup"
    group_file.create(path, PASSPHRASE)
    start = time.perf_counter()
    group_file.add(path, PASSPHRASE, read_logs(logs))
    first_add = time.perf_counter() - start

    csv_seconds = best(lambda: merge(read_logs(logs)), repeat)
    open_seconds = best(lambda: group_file.load(path, PASSPHRASE), repeat)
    group = group_file.load(path, PASSPHRASE)
    rows = len(group.observations)

    # A month later: 33 families log 30 more days (about 10k rows).
    month = []
    for i in range(min(33, families)):
        log = folder / f"month{i + 1:03d}.csv"
        write_family(log, f"F{i + 1:03d}", str(np.datetime64("2024-01-01") + DAYS), 30, seed=1000 + i)
        month.append(log)
    month_results = read_logs(month)
    start = time.perf_counter()
    added = group_file.add(path, PASSPHRASE, month_results)
    add_seconds = time.perf_counter() - start

    file_bytes = path.stat().st_size
    gzip_bytes = len(gzip.compress(group.observations.to_csv(index=False).encode(), compresslevel=6))
    print(f"\n{families} families, {rows:,} observations")
    print(f"  first add of all logs:        {first_add:6.2f} s")
    print(f"  read the logs from CSV:       {csv_seconds:6.2f} s")
    print(f"  open the group file:          {open_seconds:6.2f} s   ratio {open_seconds / csv_seconds:.2f} "
          "(target <= 0.5)")
    print(f"  add a month ({added.rows_new:,} rows):    {add_seconds:6.2f} s   (target <= 1 s at 1M)")
    print(f"  group file {file_bytes / 1e6:6.1f} MB, gzip CSV {gzip_bytes / 1e6:6.1f} MB   "
          f"ratio {file_bytes / gzip_bytes:.2f} (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,137", help="numbers of families, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for families in (int(n) for n in args.sizes.split(",")):
            bench(families, args.repeat, Path(folder))


if __name__ == "__main__":
    main()
