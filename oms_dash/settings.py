"""Streamlit settings oms_dash always runs with (privacy and calm looks), and the dashboard's own.

`.streamlit/config.toml` holds the same values for `streamlit run dashboard.py`; it is only read
from the working directory, so `oms-dash run` passes these itself. A test keeps the two equal.
The dashboard's own settings (the small-group threshold) reach its process as script arguments.
"""

import argparse

STREAMLIT_SETTINGS: dict[str, dict[str, object]] = {
    "server": {
        "address": "localhost",  # this computer only: nobody else on the network can open it
        "headless": True,  # no e-mail prompt; `oms-dash run` opens the browser itself
        "maxUploadSize": 50,  # MB per file: years of diaries are well under 5 MB
        "fileWatcherType": "none",
        "enableXsrfProtection": True,
    },
    "browser": {
        "gatherUsageStats": False,  # no usage statistics leave the machine
        "serverAddress": "localhost",
    },
    "client": {
        "showErrorDetails": "none",  # never show a traceback to a parent
        "toolbarMode": "minimal",
        # No CSV button or copy on tables and chart data: the app's own downloads escape
        # spreadsheet formulas (privacy.to_csv_bytes); Streamlit's would not.
        "disableDataExport": True,
    },
    "theme": {
        "base": "light",
        "primaryColor": "#0072B2",
        "backgroundColor": "#FFFFFF",
        "secondaryBackgroundColor": "#F2F5F8",
        "textColor": "#1B2631",
    },
}


def as_flags(port: int | None = None) -> list[str]:
    """The settings as `streamlit run` command-line flags."""
    flags = []
    for section, values in STREAMLIT_SETTINGS.items():
        for key, value in values.items():
            if section == "server" and key == "port":
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    if port is not None:
        flags.append(f"--server.port={port}")
    return flags


def script_args(min_group: int | None) -> list[str]:
    """What `oms-dash run` hands the dashboard's script, after Streamlit's flags ("--" starts them)."""
    return ["--", "--min-group", str(min_group)] if min_group else []


def apply_script_args(argv: list[str]) -> None:
    """In the dashboard's process, before a page is drawn: the settings `script_args` gave it."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--min-group", type=int, default=None)
    given, _unknown = parser.parse_known_args(argv)
    if given.min_group:
        from oms_dash.privacy import set_min_group_size

        set_min_group_size(given.min_group)
