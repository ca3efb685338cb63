"""The group file: what is added is what is read back, nothing twice, nothing silently overwritten,
unreadable without its passphrase, and a member forgotten is gone from every table."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from oms_dash import group_file as gf
from oms_dash.demo import demo_paths
from oms_dash.ingest import read_file
from oms_dash.model import FileReport, GroupData
from tests.conftest import read

PASSPHRASE = "tulip orbit candle seventeen"
DIARY = ("member,date,symptom,severity,notes\n"
         "ZQX71,2026-03-01,opsoclonus,2,slept badly\n"
         "ZQX71,2026-03-02,opsoclonus,1,\n"
         "ZQX71,2026-03-02,myoclonus,3,\n"
         "WVK52,2026-03-01,opsoclonus,0,\n")


@pytest.fixture
def group(tmp_path):
    path = tmp_path / "group.omsgroup"
    gf.create(path, PASSPHRASE)
    return path


def _observations(group: GroupData) -> pd.DataFrame:
    columns = ["member", "date", "item", "score", "raw_value", "raw_scale"]
    obs = group.observations[columns].astype({"raw_scale": "str"})
    return obs.sort_values(columns[:3]).reset_index(drop=True)


def _without_provenance(table: pd.DataFrame) -> pd.DataFrame:
    kept = table.drop(columns=["source_file"]).astype({c: "str" for c in table.columns
                                                       if table[c].dtype == object})
    return kept.sort_values(list(kept.columns[:3])).reset_index(drop=True)


def _demo_results():
    return [read_file(p.name, p.read_bytes()) for p in demo_paths()]


def test_what_is_read_back_is_what_was_added(group):
    from oms_dash.ingest import merge

    results = _demo_results()
    added = gf.add(group, PASSPHRASE, results)
    expected = merge(results)
    back = gf.load(group, PASSPHRASE)
    assert added.rows_new == len(expected.observations) == len(back.observations)
    pd.testing.assert_frame_equal(_observations(back), _observations(expected))
    pd.testing.assert_frame_equal(_without_provenance(back.treatments),
                                  _without_provenance(expected.treatments), check_dtype=False)
    pd.testing.assert_frame_equal(_without_provenance(back.events),
                                  _without_provenance(expected.events), check_dtype=False)
    assert back.onsets == expected.onsets
    # Where each row came from is a neutral label and the row number, never the file's name.
    assert set(back.observations["source_file"].astype(str)) == {"upload 1, file 1", "upload 1, file 2"}
    diary_rows = expected.observations.loc[expected.observations["source_file"] == "diary.csv"]
    assert set(diary_rows["source_row"]) == set(
        back.observations.loc[back.observations["source_file"] == "upload 1, file 1", "source_row"])


def test_the_member_profile_and_onsets_are_kept(group):
    profile = pd.DataFrame({"member": ["ZQX71"], "age_band": ["2-3 years"], "sex": ["Female"],
                            "country": ["FR"]}).astype("str")
    new = read("diary.csv", DIARY).tables
    data = GroupData(observations=new.observations, profile=profile,
                     onsets={"ZQX71": pd.Timestamp("2025-12-01")}, reports=[FileReport("diary.csv")])
    gf.add(group, PASSPHRASE, data)
    back = gf.load(group, PASSPHRASE)
    pd.testing.assert_frame_equal(back.profile, profile)
    assert back.onsets == {"ZQX71": pd.Timestamp("2025-12-01")}


def test_notes_are_kept_only_when_the_group_keeps_notes(tmp_path):
    plain, with_notes = tmp_path / "plain.omsgroup", tmp_path / "notes.omsgroup"
    gf.create(plain, PASSPHRASE)
    gf.create(with_notes, PASSPHRASE, keep_notes=True)
    for path in (plain, with_notes):
        gf.add(path, PASSPHRASE, [read("diary.csv", DIARY)])
    assert gf.load(plain, PASSPHRASE).notes.empty
    assert gf.load(with_notes, PASSPHRASE).notes["text"].tolist() == ["slept badly"]


def test_the_same_logs_twice_are_counted_as_duplicates_not_added(group):
    first = gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    again = gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    assert (first.rows_new, first.rows_duplicate) == (4, 0)
    assert (again.rows_new, again.rows_duplicate, again.rows_conflict) == (0, 4, 0)
    assert len(gf.load(group, PASSPHRASE).observations) == 4
    uploads = gf.summary(group, PASSPHRASE)["uploads"]
    assert [(u["rows_new"], u["rows_duplicate"]) for u in uploads] == [(4, 0), (0, 4)]


NEXT_MONTH = ("member,date,symptom,severity\n"
              "ZQX71,2026-03-02,opsoclonus,2\n"   # the group has 1: a conflict
              "ZQX71,2026-03-02,myoclonus,3\n"    # the same: a duplicate
              "ZQX71,2026-04-01,opsoclonus,1\n")  # new


def test_a_different_score_is_a_conflict_kept_as_the_group_had_it(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    result = gf.add(group, PASSPHRASE, [read("april.csv", NEXT_MONTH)])
    assert (result.rows_new, result.rows_duplicate, result.rows_conflict) == (1, 1, 1)
    conflict = result.conflicts.iloc[0]
    assert (conflict["member"], conflict["date"], conflict["item"]) == (
        "ZQX71", pd.Timestamp("2026-03-02"), "opsoclonus")
    assert (conflict["group_score"], conflict["new_score"], conflict["file"], conflict["kept"]) == (
        1.0, 2.0, "april.csv", "group")
    obs = gf.load(group, PASSPHRASE).observations
    kept = obs.loc[(obs["date"] == "2026-03-02") & (obs["item"] == "opsoclonus"), "score"]
    assert kept.tolist() == [1.0]
    assert len(obs) == 5


def test_a_conflict_takes_the_new_files_score_when_asked_for_that_file(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    other = "member,date,symptom,severity\nWVK52,2026-03-01,opsoclonus,3\n"
    result = gf.add(group, PASSPHRASE, [read("april.csv", NEXT_MONTH), read("other.csv", other)],
                    take_new_from={"april.csv"})
    assert result.rows_conflict == 2
    assert dict(zip(result.conflicts["file"], result.conflicts["kept"], strict=True)) == {
        "april.csv": "new file", "other.csv": "group"}
    obs = gf.load(group, PASSPHRASE).observations.set_index(["member", "date", "item"])["score"]
    assert obs[("ZQX71", pd.Timestamp("2026-03-02"), "opsoclonus")] == 2.0
    assert obs[("WVK52", pd.Timestamp("2026-03-01"), "opsoclonus")] == 0.0
    per_file = {f.file: (f.rows_new, f.rows_duplicate, f.rows_conflict) for f in result.files}
    assert per_file == {"april.csv": (1, 1, 1), "other.csv": (0, 0, 1)}


def test_two_files_of_one_add_are_combined_as_an_upload_combines_them(group):
    result = gf.add(group, PASSPHRASE, [read("diary.csv", DIARY), read("april.csv", NEXT_MONTH)])
    per_file = {f.file: (f.rows_new, f.rows_duplicate, f.rows_conflict, f.rows_combined)
                for f in result.files}
    # The daily maximum of 1 (diary) and 2 (april) is april's; of 3 and 3, the diary's (the first).
    assert per_file == {"diary.csv": (3, 0, 0, 1), "april.csv": (2, 0, 0, 1)}
    obs = gf.load(group, PASSPHRASE).observations.set_index(["member", "date", "item"])["score"]
    assert obs[("ZQX71", pd.Timestamp("2026-03-02"), "opsoclonus")] == 2.0


def test_a_custom_symptom_keeps_the_groups_spelling(group):
    header = "member,date,symptom,severity\n"
    gf.add(group, PASSPHRASE, [read("a.csv", header + "ZQX71,2026-03-01,Irritabilité,2\n")])
    gf.add(group, PASSPHRASE, [read("b.csv", header + "ZQX71,2026-03-02,irritabilite,1\n")])
    items = gf.load(group, PASSPHRASE).observations["item"]
    assert items.nunique() == 1


def test_merged_member_codes_join_the_member_they_were_merged_into(group):
    gf.update_settings(group, PASSPHRASE, merged_codes={"ZQX7": "ZQX71"})
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    gf.add(group, PASSPHRASE, [read("may.csv", "member,date,symptom,severity\nzqx7,2026-05-01,sleep,1\n")])
    assert gf.load(group, PASSPHRASE).members == ["WVK52", "ZQX71"]


def test_a_wrong_passphrase_is_refused_plainly(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    with pytest.raises(gf.GroupFileError, match="could not be opened with this passphrase") as refused:
        gf.load(group, PASSPHRASE + "x")
    assert "sqlite" not in str(refused.value).lower() and "database" not in str(refused.value).lower()


def test_a_plain_sqlite_file_or_a_missing_file_is_refused_plainly(tmp_path):
    import sqlite3

    plain = tmp_path / "plain.omsgroup"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(gf.GroupFileError, match="not an oms_dash group file"):
        gf.load(plain, PASSPHRASE)
    with pytest.raises(gf.GroupFileError, match="There is no group file"):
        gf.load(tmp_path / "nope.omsgroup", PASSPHRASE)


def test_an_existing_file_is_never_overwritten(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    with pytest.raises(gf.GroupFileError, match="already exists"):
        gf.create(group, "another passphrase here")
    assert len(gf.load(group, PASSPHRASE).observations) == 4


def test_no_member_code_symptom_or_note_appears_in_the_files_bytes(tmp_path):
    path = tmp_path / "group.omsgroup"
    gf.create(path, PASSPHRASE, keep_notes=True)
    gf.add(path, PASSPHRASE, [read("diary.csv", DIARY)])
    data = path.read_bytes()
    for text in (b"ZQX71", b"WVK52", b"opsoclonus", b"slept badly", b"diary.csv", b"SQLite format"):
        assert text not in data, text


def test_forgetting_a_member_removes_them_from_every_table(tmp_path):
    path = tmp_path / "group.omsgroup"
    gf.create(path, PASSPHRASE, keep_notes=True)
    diary = DIARY + "ZQX71,2026-03-03,,,\n"
    courses = "member,treatment,start,end\nZQX71,ivig,2026-03-01,2026-03-05\nWVK52,acth,2026-03-01,\n"
    gf.update_settings(path, PASSPHRASE, merged_codes={"ZQX7": "ZQX71"})
    gf.add(path, PASSPHRASE, [read("diary.csv", diary), read("courses.csv", courses)])
    deleted = gf.forget_member(path, PASSPHRASE, " zqx71 ")
    assert deleted >= 5
    back = gf.load(path, PASSPHRASE)
    for table in (back.observations, back.treatments, back.events, back.notes, back.profile):
        assert "ZQX71" not in set(table["member"])
    assert back.members == ["WVK52"] and "ZQX71" not in back.onsets
    connection = gf._open(path, PASSPHRASE)
    try:
        assert connection.execute("SELECT count(*) FROM members WHERE code = 'ZQX71'").fetchone() == (0,)
    finally:
        connection.close()
    assert gf.settings(path, PASSPHRASE)["merged_codes"] == {}
    with pytest.raises(gf.GroupFileError, match="no member ZQX71"):
        gf.forget_member(path, PASSPHRASE, "ZQX71")


def test_a_new_passphrase_opens_the_file_and_the_old_one_no_longer_does(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    gf.change_passphrase(group, PASSPHRASE, "new coordinator passphrase")
    assert len(gf.load(group, "new coordinator passphrase").observations) == 4
    with pytest.raises(gf.GroupFileError):
        gf.load(group, PASSPHRASE)


def test_meeting_dates_are_recorded_once_each(group):
    gf.mark_meeting(group, PASSPHRASE, dt.date(2026, 3, 10))
    gf.mark_meeting(group, PASSPHRASE, dt.date(2026, 3, 10))
    gf.mark_meeting(group, PASSPHRASE, dt.date(2026, 2, 10))
    assert gf.summary(group, PASSPHRASE)["meetings"] == ["2026-02-10", "2026-03-10"]


def test_the_opened_group_carries_its_meeting_dates_for_the_pages(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    assert gf.load(group, PASSPHRASE).meetings == ()
    marked = gf.mark_meeting(group, PASSPHRASE, dt.date(2026, 3, 10))
    assert marked == (dt.date(2026, 3, 10),)
    assert gf.load(group, PASSPHRASE).meetings == marked
    assert gf.load(group, PASSPHRASE).within(members=["ZQX71"]).meetings == marked


def test_the_upload_history_counts_the_readings_combined_by_the_daily_rule(group):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY), read("april.csv", NEXT_MONTH)])
    gf.add(group, PASSPHRASE, [read("april.csv", NEXT_MONTH)])
    assert [u["rows_combined"] for u in gf.summary(group, PASSPHRASE)["uploads"]] == [2, 0]


def test_a_group_file_raises_the_small_group_size_but_never_lowers_it(tmp_path):
    strict = tmp_path / "strict.omsgroup"
    gf.create(strict, PASSPHRASE, min_group_size=5)
    settings = gf.open_group(strict, PASSPHRASE).settings
    assert gf.stricter_min_group_size(settings, current=3) == 5
    assert gf.stricter_min_group_size(settings, current=7) == 7


def test_a_file_of_the_first_schema_version_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.omsgroup"
    connection = gf._connect(path, PASSPHRASE)
    gf._migrate(connection, up_to=1)
    connection.execute("INSERT INTO settings VALUES ('daily_rule', '\"mean\"')")
    connection.close()
    gf.add(path, PASSPHRASE, [read("diary.csv", DIARY)])
    gf.mark_meeting(path, PASSPHRASE, dt.date(2026, 3, 10))
    assert gf.settings(path, PASSPHRASE)["daily_rule"] == "mean"
    assert gf.summary(path, PASSPHRASE)["meetings"] == ["2026-03-10"]
    assert gf.summary(path, PASSPHRASE)["uploads"][0]["rows_combined"] == 0  # a column added later
    connection = gf._open(path, PASSPHRASE)
    try:
        assert gf.schema_version(connection) == gf.SCHEMA_VERSION
        assert [v for (v,) in connection.execute("SELECT version FROM schema_version ORDER BY version")] \
            == list(range(1, gf.SCHEMA_VERSION + 1))
    finally:
        connection.close()


def test_an_add_killed_mid_write_leaves_the_group_as_it_was(group, tmp_path):
    gf.add(group, PASSPHRASE, [read("diary.csv", DIARY)])
    before = gf.load(group, PASSPHRASE)
    log = tmp_path / "april.csv"
    log.write_text(NEXT_MONTH + "WVK52,2026-04-02,sleep,2\n")
    # The child writes the rows, says so, then waits inside the transaction until it is killed.
    script = textwrap.dedent(f"""
        import sys, time
        from oms_dash import group_file as gf
        from oms_dash.ingest import read_file
        write_rows = gf._add_rows
        def write_then_wait(*args):
            write_rows(*args)
            print("written", flush=True)
            time.sleep(60)
        gf._add_rows = write_then_wait
        courses = read_file("c.csv", b"member,treatment,start\\nWVK52,ivig,2026-04-01\\n")
        gf.add({str(group)!r}, {PASSPHRASE!r}, [read_file("april.csv", open({str(log)!r}, "rb").read()),
                                                courses])
    """)
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout.readline().strip() == "written"
        finally:
            child.kill()
    after = gf.load(group, PASSPHRASE)
    pd.testing.assert_frame_equal(_observations(after), _observations(before))
    assert after.treatments.empty
    assert len(gf.summary(group, PASSPHRASE)["uploads"]) == 1
    assert gf.add(group, PASSPHRASE, [read("april.csv", NEXT_MONTH)]).rows_new == 1
