"""Benchmark of the pattern analyses, figure builders and pages on a 1M-row log. Not a test.

    .venv/bin/python benchmarks/patterns.py [--members N] [--days N] [--no-pages] [--coordinator]

Builds an observation table directly as a DataFrame (100 members, ~2.5 years of daily logs, 12 items
= about 1M rows), then times each analysis function and each figure builder, printing seconds and the
ratio to a plain ``groupby(["member", "item"]).score.mean()`` run in the same process, and each
figure's JSON size (the target is under 1 MB). Finally it times a page rerun through AppTest after a
filter change (the target is 300 ms), and on Compare patterns the opening of each other tab.
With --coordinator: the timings a coordinator feels (issue 12), on the demo group and on a 40-family
two-year group (each the median of three different first-time changes, in wall and CPU seconds),
and the first chart drawn in Chromium after `oms-dash run` prints its address.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from oms_dash import analysis as A
from oms_dash import schema
from oms_dash.model import GroupData

N_MEMBERS = 100
N_DAYS = 900  # 100 members × 12 items × ~840 logged days ≈ 1.0M rows over ~2.5 years
START = pd.Timestamp("2024-09-02")


def build(n_members: int = N_MEMBERS, n_days: int = N_DAYS, seed: int = 7) -> GroupData:
    rng = np.random.default_rng(seed)
    items = np.array([item.id for item in schema.ITEMS])
    members = np.array([f"M{i:03d}" for i in range(n_members)])
    day = np.arange(n_days)
    # Each member: a decaying course, a relapse-like bump, ~5% missed days and one 3-week gap.
    level = (0.3 + 2.4 * np.exp(-day[None, :] / rng.uniform(80, 200, (n_members, 1)))
             + 1.2 * (np.abs(day[None, :] - rng.integers(100, 700, (n_members, 1))) < 20))
    logged = rng.random((n_members, n_days)) > 0.05
    gap = rng.integers(60, n_days - 60, n_members)
    logged &= ~((day[None, :] >= gap[:, None]) & (day[None, :] < gap[:, None] + 21))
    m_idx, d_idx = np.nonzero(logged)
    k = len(items)
    m_rep, d_rep = np.repeat(m_idx, k), np.repeat(d_idx, k)
    scores = np.clip(np.rint(level[m_rep, d_rep] + rng.normal(0, 0.4, len(m_rep))), 0, 3)
    obs = pd.DataFrame({
        "member": pd.array(members[m_rep], dtype="str"),
        "date": START + pd.to_timedelta(d_rep, unit="D"),
        "item": pd.array(np.tile(items, len(m_idx)), dtype="str"),
        "score": scores.astype("float64"),
    })
    obs["raw_value"] = pd.array(np.char.mod("%d", scores.astype(int)), dtype="str")
    obs["raw_scale"] = "0-3"
    obs["source_file"] = "bench.csv"
    obs["source_row"] = np.arange(len(obs), dtype="int64") + 2
    starts = np.column_stack([rng.integers(10, 60, n_members), rng.integers(200, 500, n_members)]).ravel()
    treatments = pd.DataFrame({
        "member": np.repeat(members, 2),
        "treatment": np.tile(["ivig", "rituximab"], n_members),
        "start": START + pd.to_timedelta(starts, unit="D"),
        "end": pd.NaT, "dose": "", "source_file": "bench.csv", "source_row": 2,
    })
    ev_n = 4 * n_members
    events = pd.DataFrame({
        "member": np.repeat(members, 4),
        "date": START + pd.to_timedelta(rng.integers(30, n_days, ev_n), unit="D"),
        "kind": rng.choice(["infection", "steroid_taper", "vaccination"], ev_n), "detail": "",
        "source_file": "bench.csv", "source_row": 2,
    })
    onsets = {m: START - pd.Timedelta(days=int(d)) for m, d in zip(members, rng.integers(5, 60, n_members),
                                                                     strict=True)}
    return GroupData(observations=obs, treatments=treatments, events=events, onsets=onsets)


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run_analyses(group: GroupData, baseline: float) -> dict[str, object]:
    obs, tr, ev = group.observations, group.treatments, group.events
    results: dict[str, object] = {}
    cases: list[tuple[str, Callable[[], object]]] = [
        ("filter_observations", lambda: A.filter_observations(obs, items=["myoclonus", "sleep", "gait"])),
        ("daily_scores", lambda: A.daily_scores(obs)),
        ("score_series (total)", lambda: A.score_series(obs)),
        ("weekly_severity", lambda: A.weekly_severity(obs)),
        ("completeness", lambda: A.completeness(obs)),
        ("latest_state", lambda: A.latest_state(obs)),
        ("group_course", lambda: A.group_course(obs)),
        ("member_timeline", lambda: A.member_timeline(obs, "M000")),
        ("cohort (onset)", lambda: A.cohort(results["score_series (total)"].table, "onset",
                                            onsets=group.onsets)),
        ("cohort (treatment)", lambda: A.cohort(results["score_series (total)"].table, "treatment",
                                                treatments=tr, treatment="ivig")),
        ("symptom_profiles", lambda: A.symptom_profiles(obs)),
        ("before_after", lambda: A.before_after(results["score_series (total)"], tr, "rituximab")),
        ("detect_relapses", lambda: A.detect_relapses(results["score_series (total)"])),
        ("relapse_context", lambda: A.relapse_context(results["detect_relapses"].table, ev)),
        ("cooccurrence", lambda: A.cooccurrence(obs)),
    ]
    print(f"\n{'analysis':<24}{'seconds':>9}{'× baseline':>12}")
    for name, fn in cases:
        seconds, results[name] = timed(fn)
        print(f"{name:<24}{seconds:>9.3f}{seconds / baseline:>12.1f}")
    return results


def run_figures(group: GroupData, r: dict[str, object], baseline: float) -> None:
    from oms_dash import charts as C

    measure = r["score_series (total)"].measure
    rel, rule = r["detect_relapses"].table, r["detect_relapses"].rule
    mine_tr = group.treatments.loc[group.treatments["member"] == "M000"]
    mine_ev = group.events.loc[group.events["member"] == "M000"]
    cases: list[tuple[str, Callable[[], object]]] = [
        ("group_course_figure", lambda: C.group_course_figure(r["group_course"])),
        ("completeness_figure", lambda: C.completeness_figure(r["completeness"])),
        ("latest_state_figure", lambda: C.latest_state_figure(r["latest_state"])),
        ("member_timeline_figure", lambda: C.member_timeline_figure(
            r["member_timeline"], "Member A", mine_tr, mine_ev, rel.loc[rel["member"] == "M000"])),
        ("cohort_figure", lambda: C.cohort_figure(r["cohort (onset)"], measure)),
        ("heatmap_figure", lambda: C.heatmap_figure(r["weekly_severity"])),
        ("profile_figure", lambda: C.profile_figure(r["symptom_profiles"])),
        ("before_after_figure", lambda: C.before_after_figure(r["before_after"], measure)),
        ("relapse_figure", lambda: C.relapse_figure(r["relapse_context"], N_MEMBERS, rule)),
        ("cooccurrence_figure", lambda: C.cooccurrence_figure(r["cooccurrence"])),
    ]
    print(f"\n{'figure':<24}{'seconds':>9}{'× baseline':>12}{'JSON KB':>10}")
    for name, fn in cases:
        seconds, fig = timed(fn)
        size = len(fig.to_json()) / 1024
        flag = "  OVER 1 MB" if size > 1024 else ""
        print(f"{name:<24}{seconds:>9.3f}{seconds / baseline:>12.1f}{size:>10.0f}{flag}")


def run_pages(group: GroupData) -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from oms_dash.ui import state

    dashboard = str(Path(__file__).resolve().parents[1] / "dashboard.py")
    # Part of every rerun outside the pattern pages: the app's sidebar counts group.members.
    seconds, _ = timed(lambda: group.members)
    print(f"\n(app shell, every rerun) GroupData.members: {seconds:.2f} s")
    print(f"\n{'page (AppTest)':<24}{'first run':>10}{'rerun':>8}{'filter change':>15}"
          "   (filter change: half the members and the last three quarters of the dates)")
    for page in ("overview", "compare", "member"):
        at = AppTest.from_file(dashboard, default_timeout=300)
        at.session_state[state.UPLOAD_KEY] = group
        at.run()
        t0 = time.perf_counter()
        at.switch_page(f"oms_dash/ui/page_scripts/{page}.py").run()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - t0
        # A real filter change: other members and a shorter date range, so nothing comes from the cache.
        members = [f"M{i:03d}" for i in range(0, N_MEMBERS, 2)]
        lo, hi = at.slider(key="flt_dates").value
        t0 = time.perf_counter()
        at.multiselect(key="flt_members").set_value(members)
        at.slider(key="flt_dates").set_value((lo + (hi - lo) / 4, hi))
        at.run()
        change = time.perf_counter() - t0
        bad = f"  exception: {at.exception[0].value}" if at.exception else ""
        print(f"{page:<24}{first:>10.2f}{rerun:>8.2f}{change:>15.2f}{bad}")
        if page == "compare":  # only the open tab is computed: each tab, opened after the change
            from oms_dash.ui import filters
            from oms_dash.ui.pages import compare

            for view in compare.VIEWS[1:]:
                at.session_state[filters.PAGE_KEPT + compare.TAB_CHOICE] = view
                t0 = time.perf_counter()
                at.run()
                print(f"  tab {view:<20}{'':>18}{time.perf_counter() - t0:>15.2f}")


TARGETS = {"filter change": 0.3, "member picked": 0.5, "meeting mode on": 0.5,  # seconds (issue 12)
           "first chart": 3.0}
REPEAT = 3  # each timing is the median of this many different changes, so one noisy run does not decide it


def _subsets(members: list[str], size: int, count: int, offset: int) -> list[list[str]]:
    """``count`` different runs of ``size`` members (a window over the members, moved along by one
    member each time, wrapping round), starting ``offset`` members in."""
    n = len(members)
    return [[members[(offset + k + i) % n] for i in range(size)] for k in range(count)]


def _clocked(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``run()``: AppTest runs the page in a thread
    of this process, so its CPU time is the work itself, less swayed by a loaded machine."""
    t0, c0 = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - t0, time.process_time() - c0


def run_coordinator(groups: dict[str, GroupData | None]) -> dict[tuple[str, str], tuple[float, float]]:
    """What a coordinator feels, through AppTest: a filter change on each group page, picking a
    member on Member view, turning meeting mode on; beside a rerun with nothing changed (the
    baseline: Streamlit's own cost of a run). Each is the median of ``REPEAT`` different changes,
    each the first time its choice is made (nothing comes from the caches but what the change
    leaves alone): a filter change chooses members no earlier change chose; meeting mode is turned
    on over members just chosen with it off. Prints wall and CPU seconds (the target is on wall
    time; CPU time says more when the machine is busy) and returns both medians by (group, what)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from oms_dash.demo import demo_group
    from oms_dash.ui import state

    dashboard = str(Path(__file__).resolve().parents[1] / "dashboard.py")
    print(f"\n{'group':<12}{'what (median of ' + str(REPEAT) + ')':<28}{'seconds':>9}{'CPU s':>7}"
          f"{'× rerun':>9}{'target':>8}")
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    for name, group in groups.items():
        at = AppTest.from_file(dashboard, default_timeout=300)
        if group is not None:
            at.session_state[state.UPLOAD_KEY] = group
        at.run()
        members = list((group or demo_group()).members)
        third, half = max(1, len(members) // 3), max(1, len(members) // 2)
        rows = []

        def choose(chosen: list[str], at: AppTest = at) -> tuple[float, float]:
            return _clocked(at.multiselect(key="flt_members").set_value(chosen).run)

        for p, page in enumerate(("overview", "compare", "member")):
            at.switch_page(f"oms_dash/ui/page_scripts/{page}.py").run()
            base, _ = timed(at.run)
            changes = []
            # A third of the members (Compare: half), a different third each time and on each page.
            for chosen in _subsets(members, half if page == "compare" else third, REPEAT, REPEAT * p):
                changes.append(choose(chosen))
                choose([])  # back to the whole group (in the caches) before the next change
            rows.append((f"filter change, {page}", changes, base, "filter change"))
        base, _ = timed(at.run)
        picks = [_clocked(at.selectbox(key="member_view_member").set_value(member).run)
                 for member in members[1:1 + REPEAT]]
        rows.append(("member picked", picks, base, "member picked"))
        at.switch_page("oms_dash/ui/page_scripts/overview.py").run()
        base, _ = timed(at.run)
        ons = []
        # The whole group, then members no filter change above chose, each drawn first with it off.
        for chosen in [[], *_subsets(members, third, REPEAT - 1, REPEAT * 3)]:
            choose(chosen)
            ons.append(_clocked(at.toggle(key=state.MEETING_KEY).set_value(True).run))
            at.toggle(key=state.MEETING_KEY).set_value(False).run()
        rows.append(("meeting mode on, overview", ons, base, "meeting mode on"))
        for what, times, base, target in rows:
            seconds = statistics.median(t for t, _ in times)
            cpu = statistics.median(c for _, c in times)
            medians[(name, what)] = (seconds, cpu)
            flag = "" if seconds <= TARGETS[target] else "  over target"
            print(f"{name:<12}{what:<28}{seconds:>9.2f}{cpu:>7.2f}{seconds / base:>9.1f}"
                  f"{TARGETS[target]:>8.1f}{flag}")
    return medians


def _served(command: list[str], port: int):
    """A server started by ``command`` (its first output line is awaited when it prints one), and
    the moment timing starts: when ``oms-dash run`` prints its address, or when the process starts."""
    import subprocess

    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    t0 = time.perf_counter()
    if "oms_dash.cli" in command:
        server.stdout.readline()  # "oms_dash is starting at http://localhost:…"
        t0 = time.perf_counter()
    return server, t0


def _first_chart(browser, command: list[str], port: int) -> tuple[float, float]:
    """(seconds to the first chart drawn, the browser's CPU seconds for it) in a fresh profile."""
    import urllib.request

    server, t0 = _served(command, port)
    try:
        url = f"http://localhost:{port}"
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        cdp = browser.new_browser_cdp_session()

        def cpu() -> float:
            return sum(p["cpuTime"] for p in cdp.send("SystemInfo.getProcessInfo")["processInfo"])

        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        before = cpu()
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
        seconds = time.perf_counter() - t0
        context.close()
        return seconds, cpu() - before
    finally:
        server.terminate()
        server.wait()


def first_chart_seconds(repeat: int = 3, port: int = 8591) -> None:
    """The first chart drawn in Chromium after `oms-dash run` prints its address, beside the floor:
    one two-point chart of a bare Streamlit page (benchmarks/one_chart_app.py) from its process
    start, interleaved, medians of ``repeat``; each with the browser's CPU seconds. Needs Debian's
    chromium."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from oms_dash.report import CHROMIUM_FLAGS, find_chromium
    from oms_dash.settings import as_flags

    floor_app = str(Path(__file__).with_name("one_chart_app.py"))
    commands = {
        "oms_dash Overview": [sys.executable, "-m", "oms_dash.cli", "run", "--port", str(port),
                              "--no-browser"],
        "floor: one chart": [sys.executable, "-m", "streamlit", "run", floor_app, *as_flags(port)],
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_FLAGS))
        try:
            for _ in range(repeat):
                for name, command in commands.items():
                    times[name].append(_first_chart(browser, command, port))
        finally:
            browser.close()
    floor = statistics.median(t for t, _ in times["floor: one chart"])
    print(f"\n{'first chart in Chromium':<24}{'seconds':>9}{'× floor':>9}{'browser CPU s':>15}{'target':>8}")
    for name, runs in times.items():
        seconds = statistics.median(t for t, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        target = f"{TARGETS['first chart']:.1f}" if name.startswith("oms_dash") else ""
        flag = "  over target" if target and seconds > TARGETS["first chart"] else ""
        print(f"{name:<24}{seconds:>9.2f}{seconds / floor:>9.2f}{cpu:>15.2f}{target:>8}{flag}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=N_MEMBERS)
    parser.add_argument("--days", type=int, default=N_DAYS)
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page timings")
    parser.add_argument("--coordinator", action="store_true",
                        help="only what a coordinator feels: filter, member, meeting mode on the demo "
                             "group and a 40-family two-year group, and the first chart in Chromium")
    args = parser.parse_args(argv)
    if args.coordinator:
        first_chart_seconds()
        run_coordinator({"demo": None, "40 families": build(40, 730)})
        return
    t0 = time.perf_counter()
    group = build(args.members, args.days)
    obs = group.observations
    print(f"built {len(obs):,} rows × {obs.shape[1]} columns, {obs['member'].nunique()} members, "
          f"{obs['item'].nunique()} items, {obs['date'].min():%Y-%m-%d}..{obs['date'].max():%Y-%m-%d} "
          f"in {time.perf_counter() - t0:.2f} s")
    baseline, _ = timed(lambda: obs.groupby(["member", "item"])["score"].mean())
    print(f"baseline groupby(['member','item']).score.mean(): {baseline:.3f} s")
    results = run_analyses(group, baseline)
    run_figures(group, results, baseline)
    if not args.no_pages:
        run_pages(group)


if __name__ == "__main__":
    main(sys.argv[1:])
