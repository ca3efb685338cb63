"""The promises of the foundation: privacy settings, the command line, the demo data, the core's imports."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from oms_dash.cli import main
from oms_dash.settings import STREAMLIT_SETTINGS, as_flags

ROOT = Path(__file__).resolve().parents[1]


def test_config_file_and_cli_flags_hold_the_same_privacy_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config == STREAMLIT_SETTINGS
    assert config["server"]["address"] == "localhost"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    # Streamlit's own table download skips the formula escaping of the app's CSV buttons.
    assert config["client"]["disableDataExport"] is True
    assert "--client.disableDataExport=true" in as_flags()
    flags = as_flags(9999)
    assert "--server.address=localhost" in flags
    assert "--browser.gatherUsageStats=false" in flags
    assert "--server.port=9999" in flags


def test_help_explains_each_command(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for command in ("run", "check", "report"):
        assert command in out
    assert "this computer" in out.lower()


def test_check_json_accounts_for_every_row(write_file, capsys):
    path = write_file("log.csv", "member,date,symptom,severity\nF01,2026-01-05,jerks,2\n"
                                 "F01,2026-02-31,sleep,1\n,2026-01-06,sleep,1\n")
    assert main(["check", "--json", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    (file,) = result["files"]
    assert (file["rows_read"], file["rows_accepted"], file["rows_rejected"]) == (3, 1, 2)
    assert file["date_min"] == file["date_max"] == "2026-01-05"
    assert {p["row"] for p in file["problems"] if p["severity"] == "error"} == {3, 4}
    assert file["pii_columns"] == []


def test_check_exit_code_2_and_no_traceback_for_an_unusable_file(write_file, capsys):
    picture = write_file("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    missing = str(picture.parent / "nope.csv")
    assert main(["check", str(picture), missing]) == 2
    out = capsys.readouterr().out
    assert "picture" in out and "does not exist" in out
    assert "Traceback" not in out


def test_check_does_not_import_streamlit_or_plotly(write_file):
    path = write_file("log.csv", "member,date,symptom,severity\nF01,2026-01-05,jerks,2\n")
    code = (f"import sys; from oms_dash.cli import main; main(['check', {str(path)!r}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_demo_generator_is_deterministic_and_matches_the_bundled_files(tmp_path):
    from oms_dash.demo import DEMO_DIR, DEMO_FILES
    from oms_dash.demo.generate import write

    write(tmp_path)
    for name in DEMO_FILES:
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_demo_group_looks_like_a_support_group():
    from oms_dash.demo import demo_group

    group = demo_group()
    assert group.is_demo
    assert len(group.members) == 12
    span = group.observations["date"].max() - group.observations["date"].min()
    assert span.days >= 18 * 30
    assert {"acth", "ivig", "rituximab"} <= set(group.treatments["treatment"])
    assert {"infection", "steroid_taper"} <= set(group.events["kind"])
    assert len(group.onsets) == 12
    for report in group.reports:
        assert report.accounted, report.file
    # The planted mistakes are reported, not dropped.
    diary = next(r for r in group.reports if r.file == "diary.csv")
    assert diary.rows_rejected == 3


def test_data_dictionary_file_is_current():
    from oms_dash.dictionary import data_dictionary_markdown

    assert (ROOT / "data" / "data_dictionary.md").read_text() == data_dictionary_markdown()


def test_templates_read_cleanly():
    from oms_dash.ingest import read_paths
    from oms_dash.templates import TEMPLATES, TEMPLATES_DIR

    group = read_paths([TEMPLATES_DIR / name for name in TEMPLATES])
    for report in group.reports:
        assert report.usable and report.rows_rejected == 0, report.file


def test_min_group_below_three_is_refused(capsys):
    assert main(["run", "--min-group", "2"]) == 2
    assert "cannot go below 3" in capsys.readouterr().err
