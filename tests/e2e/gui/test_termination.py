"""SIGTERM and SIGINT quit the desktop app even while it waits in Qt's event loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memvault.gui.termination import TerminationWatcher
from tests.helpers import ROOT


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_quit_signal_reaches_the_gui_thread_and_the_old_handlers_come_back(qtbot, number):
    before = signal.getsignal(number)
    watcher = TerminationWatcher()
    try:
        with qtbot.waitSignal(watcher.termination_requested, timeout=5_000):
            os.kill(os.getpid(), number)
    finally:
        watcher.close()
    assert signal.getsignal(number) is before
    watcher.close()  # twice is harmless


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _wait_until_idle(proc: subprocess.Popen, quiet_for: float = 1.0, timeout: float = 60.0) -> None:
    """Until the process has used no CPU for ``quiet_for`` seconds: Qt's loop waits on the dialog."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        ticks = _cpu_ticks(proc.pid)
        if ticks != last:
            last, since = ticks, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return
        time.sleep(0.1)
    raise AssertionError("the app never went idle")


@pytest.mark.slow  # a real app process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_quits_the_app_waiting_on_its_passphrase_dialog(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MEMVAULT_PASSPHRASE")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), MEMVAULT_HOME=str(tmp_path / "vault"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.Popen([sys.executable, "-m", "memvault"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_until_idle(proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, proc.stderr.read()
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
