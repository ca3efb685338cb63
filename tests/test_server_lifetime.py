"""`oms-dash run` never leaves its server behind: the server holds uploaded diaries in memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the server"),
              pytest.mark.slow]


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/_stcore/health", timeout=1)
        return True
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _started(**popen) -> tuple[subprocess.Popen, str]:
    """`oms-dash run` on a free port (Popen options ``popen``), once its server answers: (command, url)."""
    port = _free_port()
    url = f"http://localhost:{port}"
    command = subprocess.Popen([sys.executable, "-m", "oms_dash.cli", "run", "--port", str(port),
                                "--no-browser"], **popen)
    deadline = time.monotonic() + 60
    while not _answers(url):
        if command.poll() is not None or time.monotonic() >= deadline:
            command.kill()
            pytest.fail("the dashboard did not start")
        time.sleep(0.3)
    return command, url


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["Ctrl+C", "terminated", "terminal closed", "killed"])
def test_stopping_oms_dash_run_stops_its_server(stop):
    command, url = _started(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers: list[int] = []
    try:
        servers = _children(command.pid)
        assert servers, "oms-dash run starts the Streamlit server as its own process"
        os.kill(command.pid, stop)
        code = command.wait(timeout=20)
        if stop != signal.SIGKILL:  # stopped as asked: not reported as a failure
            assert code == 0
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in servers), "the server went on running on its own"
        assert not _answers(url)
    finally:
        if command.poll() is None:
            command.kill()
        for pid in servers:  # a failed run leaves nothing behind either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_servers_warm_up_leaves_the_demo_group_read_for_the_first_visit():
    from oms_dash import serve
    from oms_dash.demo import demo_group

    serve.warm_up()
    assert demo_group() is demo_group()  # read once, and the first session takes that one
    assert demo_group().is_demo


def test_oms_dash_run_says_where_it_is_and_no_warnings_in_the_terminal():
    """The coordinator's terminal shows the address, not Streamlit's warnings about the warm-up."""
    command, url = _started(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(4)  # the warm-up imports the pages a moment after the server answers
    finally:
        command.send_signal(signal.SIGINT)
        output, _ = command.communicate(timeout=30)
    assert url in output
    assert "WARNING" not in output and "No runtime" not in output, output


def test_ctrl_c_stops_it_even_when_started_with_ctrl_c_ignored():
    """A background job of a script starts with SIGINT ignored; "press Ctrl+C to stop" still holds."""
    command, _ = _started(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        command.send_signal(signal.SIGINT)
        assert command.wait(timeout=20) == 0
    finally:
        if command.poll() is None:
            command.kill()
