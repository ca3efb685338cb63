"""The server process of `oms-dash run`: Streamlit, with the first page's work started early.

A first visit used to wait for the whole first run of the app: importing pandas, plotly and the
pages, then reading the demo group through the ingest (about 1.5 s on 2 cores, after the ~1 s
Streamlit takes to start). Here that work starts in a background thread as soon as the server
process does, so it overlaps with Streamlit's start-up and the browser's loading of Streamlit's
own scripts; the first run then finds it done (imports and the demo group are per process).
Measured from server start to the first chart drawn in Chromium, 3 runs each interleaved on a busy
2-core machine: median 8.3 s without, 6.4 s with. Nothing of anybody's logs is involved.

    python -m oms_dash.serve run ENTRY [streamlit flags]
"""

from __future__ import annotations

import sys
import threading


def warm_up() -> None:
    """Imports the app, its pages and figure code, reads the Reference and the demo group: all kept
    for every session of the process."""
    import importlib

    import oms_dash.charts  # noqa: F401 (plotly and the chart builders)
    import oms_dash.ui.app  # noqa: F401 (Streamlit's page machinery, pandas, the analyses)
    from oms_dash.demo import demo_group
    from oms_dash.reference import load_reference
    from oms_dash.ui.registry import PAGES

    for spec in PAGES:
        importlib.import_module(f"oms_dash.ui.pages.{spec.module}")
    load_reference()  # the Overview links each symptom to its entry
    demo_group()


def main() -> None:
    # Streamlit first, in this thread: it imports plotly, whose lazily loaded parts are not safe to
    # import from two threads at once.
    from streamlit.web import cli

    from oms_dash.codes import lean_arrow_memory

    lean_arrow_memory()  # uploads are read in this process
    threading.Thread(target=warm_up, name="oms-dash-warm-up", daemon=True).start()
    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
