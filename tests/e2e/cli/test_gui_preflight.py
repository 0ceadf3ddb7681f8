"""``memvault`` on a machine that cannot show the desktop app: one line and exit 1, never a Qt abort."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the preflight runs on Linux only")


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "MEMVAULT_PASSPHRASE")}
    env["MEMVAULT_HOME"] = str(tmp_path / "vault")
    env.update(extra)
    return env


def _memvault(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "memvault", *argv], cwd=ROOT, env=env, capture_output=True, check=False,
                          text=True, timeout=30)


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
@pytest.mark.parametrize("argv", [(), ("gui",)])
def test_without_a_display(tmp_path, argv):
    proc = _memvault(_env(tmp_path), *argv)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("memvault: the desktop app needs a display") and proc.stderr.count("\n") == 1
    assert "memvault serve" in proc.stderr and "Aborted" not in proc.stderr


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_with_a_display_but_missing_xcb_libraries(tmp_path):
    # A TCP "X server" on 127.0.0.1: display number N means port 6000 + N.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    number = listener.getsockname()[1] - 6000
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ldd = bin_dir / "ldd"
    ldd.write_text("#!/bin/sh\necho '\tlibxcb-icccm.so.4 => not found'\necho '\tlibxcb-keysyms.so.1 => not found'\n")
    ldd.chmod(ldd.stat().st_mode | stat.S_IXUSR)
    env = _env(tmp_path, DISPLAY=f"127.0.0.1:{number}", PATH=f"{bin_dir}:{os.environ['PATH']}")
    try:
        proc = _memvault(env)
    finally:
        listener.close()
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in proc.stderr
    assert "libxcb-icccm4 libxcb-keysyms1" in proc.stderr or "xcb-util-keysyms xcb-util-wm" in proc.stderr
