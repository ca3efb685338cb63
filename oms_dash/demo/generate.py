"""Writes the synthetic demo group: 12 invented members, about 19 months of logs.

Deterministic (seeded): ``python -m oms_dash.demo.generate`` rewrites the CSV files beside this
module byte for byte. Nobody in these files is real. The course is shaped like published OMS
descriptions (high scores at onset, improvement on immunotherapy, relapses that often follow an
infection or a steroid taper) so that the dashboard's views have something realistic to show.

Files written (the same public formats coordinators upload):
- diary.csv          long daily diary: member,date,symptom,severity,event,notes
- mitchell_pike.csv  weekly Mitchell-Pike item scores with a total column (wide)
- treatments.csv     member,treatment,start,end,dose
- members.csv        member,onset
A few rows carry the mistakes real diaries have (an impossible date, a score of 5, a missing
member code, a total that does not add up, synonyms and stray spaces) so the problem views show
something.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261125
HERE = Path(__file__).parent
END = pd.Timestamp("2026-10-31")
MEMBERS = [f"F{n:02d}" for n in range(1, 13)]
# How each diary symptom is written by different families (synonyms the ingest must recognise).
DIARY_NAMES = {
    "myoclonus": ["jerks", "Jerks", "myoclonus", "jerking "],
    "sleep": ["sleep", "Sleep problems", "sleep"],
    "mood_behaviour": ["irritability", "Irritability", "rage"],
    "opsoclonus": ["eyes", "dancing eyes", "Eye movements"],
}
MP_HEADERS = {"stance": "Stance", "gait": "Gait", "arm_hand": "Arm/hand function",
              "opsoclonus": "Opsoclonus", "mood_behaviour": "Mood/behaviour", "speech": "Speech"}
FIRST_LINE = ["acth", "dexamethasone", "methylprednisolone"]


def _member_course(rng: np.random.Generator, member: str):
    onset = pd.Timestamp("2024-11-01") + pd.Timedelta(days=int(rng.integers(0, 220)))
    start = onset + pd.Timedelta(days=int(rng.integers(14, 60)))
    days = pd.date_range(start, END, freq="D")
    t = np.arange(len(days), dtype=float)
    peak = rng.uniform(2.2, 2.9)
    floor = rng.uniform(0.2, 0.9)
    latent = floor + (peak - floor) * np.exp(-t / rng.uniform(60, 160))
    treatments = []
    events = []
    steroid = FIRST_LINE[int(rng.integers(0, len(FIRST_LINE)))]
    s_start = start + pd.Timedelta(days=int(rng.integers(1, 8)))
    s_len = int(rng.integers(200, 420))
    treatments.append((steroid, s_start, s_start + pd.Timedelta(days=s_len)))
    if steroid == "methylprednisolone":
        treatments.append(("prednisolone", s_start + pd.Timedelta(days=5),
                           s_start + pd.Timedelta(days=s_len + 60)))
    if rng.random() < 0.8:
        i_start = s_start + pd.Timedelta(days=int(rng.integers(0, 20)))
        treatments.append(("ivig", i_start, i_start + pd.Timedelta(days=int(rng.integers(180, 360)))))
    # Triggers (infections, vaccinations, tapers); some are followed by a relapse.
    n_triggers = int(rng.integers(2, 7))
    relapses = 0
    for _ in range(n_triggers):
        day = int(rng.integers(40, len(days) - 20))
        kind = rng.choice(["infection", "infection", "vaccination", "steroid_taper"])
        events.append((days[day], str(kind)))
        if rng.random() < (0.7 if kind != "vaccination" else 0.35):
            lag = int(rng.integers(3, 12))
            bump = rng.uniform(1.0, 1.6)
            r = np.arange(len(days)) - (day + lag)
            latent = latent + np.where(r >= 0, bump * np.exp(-np.clip(r, 0, None) / 35.0), 0)
            relapses += 1
    if relapses >= 2 and rng.random() < 0.7:
        r_day = days[min(len(days) - 30, int(rng.integers(150, 400)))]
        treatments.append(("rituximab", r_day, r_day + pd.Timedelta(days=1)))
        latent = np.where(np.arange(len(days)) > days.get_loc(r_day), latent * 0.85, latent)
    if rng.random() < 0.4:
        treatments.append(("trazodone", start + pd.Timedelta(days=int(rng.integers(10, 90))), pd.NaT))
    return onset, days, latent, treatments, events


def _gaps(rng: np.random.Generator, n_days: int) -> np.ndarray:
    """Days with no diary: a holiday or hospital stay, and scattered missed days."""
    logged = rng.random(n_days) > 0.08
    for _ in range(int(rng.integers(0, 3))):
        g = int(rng.integers(30, n_days - 40))
        logged[g:g + int(rng.integers(10, 28))] = False
    return logged


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    diary, weekly, courses, members = [], [], [], []
    for member in MEMBERS:
        onset, days, latent, treatments, events = _member_course(rng, member)
        members.append({"member": member, "onset": onset.strftime("%Y-%m-%d")})
        for name, start, end in treatments:
            courses.append({"member": member, "treatment": name, "start": start.strftime("%Y-%m-%d"),
                            "end": "" if pd.isna(end) else end.strftime("%Y-%m-%d"), "dose": ""})
        event_on = {d.strftime("%Y-%m-%d"): k.replace("_", " ") for d, k in events}
        logged = _gaps(rng, len(days))
        names = {item: opts[int(rng.integers(0, len(opts)))] for item, opts in DIARY_NAMES.items()}
        for i, day in enumerate(days):
            if not logged[i]:
                continue
            date = day.strftime("%Y-%m-%d")
            for item, name in names.items():
                score = int(np.clip(np.rint(latent[i] * rng.uniform(0.7, 1.15) + rng.normal(0, 0.35)), 0, 3))
                diary.append({"member": member, "date": date, "symptom": name, "severity": score,
                              "event": event_on.pop(date, "") if item == "myoclonus" else "",
                              "notes": ""})
        for i in range(0, len(days), 7):
            if not logged[i] and rng.random() < 0.5:
                continue
            row = {"member": member, "date": days[i].strftime("%Y-%m-%d")}
            for header in MP_HEADERS.values():
                row[header] = int(np.clip(np.rint(latent[i] + rng.normal(0, 0.45)), 0, 3))
            row["Total"] = sum(row[h] for h in MP_HEADERS.values())
            weekly.append(row)
    diary_df = pd.DataFrame(diary)
    weekly_df = pd.DataFrame(weekly)
    # Realistic mistakes, planted at fixed places so the problem views have something to show.
    diary_df.loc[25, "notes"] = "slept badly, teething?"
    diary_df.loc[40, "date"] = "2025-02-30"
    diary_df.loc[41, "severity"] = 5
    diary_df.loc[42, "member"] = ""
    weekly_df.loc[10, "Total"] = weekly_df.loc[10, "Total"] + 2
    return {"diary": diary_df, "mitchell_pike": weekly_df,
            "treatments": pd.DataFrame(courses), "members": pd.DataFrame(members)}


def write(folder: Path = HERE) -> list[Path]:
    paths = []
    for name, frame in build().items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
