"""The desktop app's preflight: a display, a reachable display server, and the platform plugin's libraries."""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from memvault.gui import preflight

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checks run on Linux only")


@pytest.fixture
def x_server(tmp_path):
    """A listening socket where an X server for DISPLAY=:5 would be."""
    sockets = tmp_path / "x11"
    sockets.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sockets / "X5"))
    server.listen(4)
    yield sockets
    server.close()


def fake_ldd(tmp_path: Path, missing: list[str]) -> dict[str, str]:
    """A PATH whose ``ldd`` reports ``missing`` as not found, the way glibc's ldd prints it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    lines = ["\tlinux-vdso.so.1 (0x00007ffc)", "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)"]
    lines += [f"\t{name} => not found" for name in missing]
    script = bin_dir / "ldd"
    script.write_text("#!/bin/sh\ncat <<'OUT'\n" + "\n".join(lines) + "\nOUT\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}


def plugins(tmp_path: Path) -> Path:
    folder = tmp_path / "platforms"
    folder.mkdir(exist_ok=True)
    for name in ("libqxcb.so", "libqwayland.so"):
        (folder / name).write_bytes(b"\x7fELF")
    return folder


def test_no_display_names_the_headless_alternatives():
    message = preflight.problem({"PATH": "/usr/bin"})
    assert "needs a display" in message and "DISPLAY" in message and "WAYLAND_DISPLAY" in message
    assert "memvault serve" in message and "\n" not in message


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "offscreen:fontengine=freetype", "xcb;offscreen"])
def test_a_headless_qt_platform_needs_no_display(platform):
    assert preflight.problem({"QT_QPA_PLATFORM": platform}) is None


def test_a_display_nobody_listens_on_is_reported(tmp_path):
    message = preflight.problem({"DISPLAY": ":5"}, x11_sockets=tmp_path)
    assert "cannot reach the display (DISPLAY=:5)" in message and "memvault serve" in message


def test_missing_xcb_libraries_are_named_with_their_packages(tmp_path, x_server):
    env = {"DISPLAY": ":5", **fake_ldd(tmp_path, ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])}
    message = preflight.problem(env, plugins=plugins(tmp_path), family="debian", x11_sockets=x_server)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "`sudo apt-get install libxcb-icccm4 libxcb-keysyms1`" in message
    assert "memvault serve" in message and "\n" not in message
    fedora = preflight.problem(env, plugins=plugins(tmp_path), family="fedora", x11_sockets=x_server)
    assert "`sudo dnf install xcb-util-keysyms xcb-util-wm`" in fedora
    other = preflight.problem(env, plugins=plugins(tmp_path), family="other", x11_sockets=x_server)
    assert "apt-get install" in other and "dnf install" in other


def test_a_long_list_is_shortened_but_every_package_is_named(tmp_path, x_server):
    missing = ["libGL.so.1", "libEGL.so.1", "libxkbcommon.so.0", "libxcb-cursor.so.0", "libdbus-1.so.3"]
    env = {"DISPLAY": ":5", **fake_ldd(tmp_path, missing)}
    message = preflight.problem(env, plugins=plugins(tmp_path), family="debian", x11_sockets=x_server)
    assert "and 1 more" in message
    assert "apt-get install libdbus-1-3 libegl1 libgl1 libxcb-cursor0 libxkbcommon0`" in message


def test_resolving_libraries_and_a_listening_display_pass(tmp_path, x_server):
    env = {"DISPLAY": ":5", **fake_ldd(tmp_path, [])}
    assert preflight.problem(env, plugins=plugins(tmp_path), x11_sockets=x_server) is None


def test_a_wayland_session_is_enough_when_xcb_lacks_libraries(tmp_path, x_server, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir()
    (runtime / "wayland-0").write_text("")  # the compositor's socket
    env = {"DISPLAY": ":5", "WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(runtime)}
    folder = plugins(tmp_path)
    calls = []

    def fake_missing(plugin, _env):
        calls.append(plugin.name)
        return [] if plugin.name == "libqwayland.so" else ["libxcb-icccm.so.4"]

    monkeypatch.setattr(preflight, "missing_libraries", fake_missing)
    assert preflight.problem(env, plugins=folder, x11_sockets=x_server) is None
    assert calls == ["libqwayland.so"]
    (runtime / "wayland-0").unlink()  # no compositor: xcb is tried, and its gap reported
    assert "libxcb-icccm4" in preflight.problem(env, plugins=folder, x11_sockets=x_server, family="debian")


def test_distribution_family_from_os_release(tmp_path):
    release = tmp_path / "os-release"
    release.write_text('ID=ubuntu\nID_LIKE=debian\n')
    assert preflight.distribution(release) == "debian"
    release.write_text('ID="fedora"\n')
    assert preflight.distribution(release) == "fedora"
    release.write_text('ID=arch\n')
    assert preflight.distribution(release) == "other"
    assert preflight.distribution(tmp_path / "absent") == "other"


def test_the_real_plugin_is_found_without_importing_qt():
    folder = preflight.platforms_dir({})
    assert folder is not None and (folder / "libqxcb.so").is_file()
