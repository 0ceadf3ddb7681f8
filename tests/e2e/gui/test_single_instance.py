"""A second launch for the same vault brings the running app forward instead of opening another."""

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtNetwork import QLocalServer

from memvault.gui.single_instance import SingleInstance, signal_running, socket_name


def test_a_second_launch_signals_the_first(qtbot, tmp_path):
    name = socket_name(tmp_path / "vault")
    assert name == socket_name(tmp_path / "vault") and name != socket_name(tmp_path / "other")
    assert not signal_running(name)  # nobody runs yet
    first = SingleInstance(name)
    try:
        assert first.listening
        with qtbot.waitSignal(first.activation_requested, timeout=5_000) as shown:
            assert signal_running(name)
        assert shown.args == ["show"]
        with qtbot.waitSignal(first.activation_requested, timeout=5_000) as capture:
            assert signal_running(name, "capture")
        assert capture.args == ["capture"]
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
        # The command to bind to a global key in the desktop's settings.
        with qtbot.waitSignal(first.activation_requested, timeout=30_000) as asked:
            child = subprocess.Popen([sys.executable, "-m", "memvault", "--vault", str(home), "--capture"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        child.communicate(timeout=30)
        assert child.returncode == 0 and asked.args == ["capture"]
    finally:
        first.close()


def test_ctrl_shift_space_and_a_second_launch_open_quick_capture(qtbot, desktop):
    desktop.window.activateWindow()
    qtbot.waitUntil(lambda: desktop.window.isActiveWindow(), timeout=5_000)
    qtbot.keyClick(desktop.window, Qt.Key_Space, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: desktop.quick_capture.isVisible(), timeout=10_000)
    desktop.quick_capture.close()
    desktop.on_launched_again("capture")
    qtbot.waitUntil(lambda: desktop.quick_capture.isVisible(), timeout=10_000)
    desktop.quick_capture.close()
