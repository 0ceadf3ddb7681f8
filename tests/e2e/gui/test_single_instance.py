"""A second launch for the same vault brings the running app forward instead of opening another."""

import subprocess
import sys

import pytest
from PySide6.QtNetwork import QLocalServer

from memvault.gui.single_instance import SingleInstance, signal_running, socket_name


def test_a_second_launch_signals_the_first(qtbot, tmp_path):
    name = socket_name(tmp_path / "vault")
    assert name == socket_name(tmp_path / "vault") and name != socket_name(tmp_path / "other")
    assert not signal_running(name)  # nobody runs yet
    first = SingleInstance(name)
    try:
        assert first.listening
        with qtbot.waitSignal(first.activation_requested, timeout=5_000):
            assert signal_running(name)
    finally:
        first.close()
    assert not signal_running(name)


def test_a_socket_left_by_a_crash_is_taken_over(qtbot, tmp_path):
    name = socket_name(tmp_path / "vault")
    stale = QLocalServer()
    stale.listen(name)
    stale.close()  # as after a crash on platforms where the file stays
    again = SingleInstance(name)
    try:
        assert again.listening
    finally:
        again.close()


@pytest.mark.slow  # a second process
def test_a_second_memvault_process_exits_and_raises_the_first(qtbot, tmp_path):
    home = tmp_path / "vault"
    first = SingleInstance(socket_name(home))
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=30_000):
            child = subprocess.Popen([sys.executable, "-m", "memvault", "--vault", str(home)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = child.communicate(timeout=30)
        assert child.returncode == 0 and "already running" in out, err
    finally:
        first.close()
