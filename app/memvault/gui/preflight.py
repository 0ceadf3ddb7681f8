"""Checks made before the desktop app creates its QApplication, so a machine that cannot show it gets a sentence.

Qt aborts the process (SIGABRT, exit 134) when no display can be opened or
when its platform plugin's system libraries are missing; Python cannot catch
that. So before anything imports Qt's GUI modules, this module looks for a
display and runs ``ldd`` on the platform plugins Qt would try, and names the
distribution packages that provide whatever does not resolve. It imports
nothing from PySide6 (importing QtGui itself fails without libGL).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Platform plugins that need no display server.
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"})

#: Shared libraries Qt's xcb and wayland plugins (and QtGui under them) load, with the packages
#: providing them: Debian/Ubuntu (from ``apt-file`` on Debian 12) and Fedora.
LIBRARY_PACKAGES: dict[str, tuple[str, str]] = {
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

HEADLESS_HINT = ("without a desktop, `memvault serve` runs the agent API and the command line works "
                 "(`memvault --help`)")


@dataclass(frozen=True)
class Platform:
    """A Qt platform plugin the app may use, and the environment variable naming its display."""

    name: str
    plugin: str
    display_variable: str | None


XCB = Platform("xcb", "libqxcb.so", "DISPLAY")
WAYLAND = Platform("wayland", "libqwayland.so", "WAYLAND_DISPLAY")


def platforms_dir(environ: Mapping[str, str]) -> Path | None:
    """Where Qt looks for platform plugins: the override variable, else PySide6's own folder."""
    if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        return Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"])
    # find_spec locates the package without running it (its import pulls in Qt).
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"


def candidates(environ: Mapping[str, str]) -> list[Platform] | None:
    """The display platforms Qt would try, in order; ``None`` when a headless one is asked for."""
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        # "xcb;wayland" lists fallbacks; "offscreen:fontengine=freetype" carries options.
        names = [part.split(":", 1)[0].strip() for part in requested.split(";") if part.strip()]
        if any(name in HEADLESS_PLATFORMS for name in names):
            return None
        known = {p.name: p for p in (XCB, WAYLAND)}
        return [known[n] for n in names if n in known] or None
    # Qt prefers Wayland in a Wayland session and falls back to xcb.
    return [WAYLAND, XCB] if environ.get("WAYLAND_DISPLAY") else [XCB]


X11_SOCKETS = Path("/tmp/.X11-unix")
_X_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?$")


def _connects(family: int, address: object) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(address)
        except OSError:
            return False
    return True


def display_reachable(platform: Platform, environ: Mapping[str, str], *, x11_sockets: Path = X11_SOCKETS) -> bool:
    """Whether the display server the variable names accepts a connection (opened and closed at once)."""
    value = environ.get(platform.display_variable or "", "")
    if platform is WAYLAND:
        runtime = environ.get("XDG_RUNTIME_DIR")
        path = Path(value) if value.startswith("/") else Path(runtime) / value if runtime else None
        return path is not None and path.exists()
    match = _X_DISPLAY.match(value)
    if match is None:
        return True  # a form we do not parse (e.g. a launchd path): let Qt try
    host, number = match["host"], int(match["number"])
    if host in ("", "unix"):
        path = x11_sockets / f"X{number}"
        # X servers on Linux listen on a socket file and on the same name in the abstract namespace.
        return _connects(socket.AF_UNIX, str(path)) or _connects(socket.AF_UNIX, f"\0{path}")
    return _connects(socket.AF_INET, (host, 6000 + number))


def missing_libraries(plugin: Path, environ: Mapping[str, str]) -> list[str] | None:
    """Sonames ``ldd`` cannot resolve for ``plugin`` (and what it loads); ``None`` if it cannot tell."""
    ldd = shutil.which("ldd", path=environ.get("PATH"))
    if ldd is None or not plugin.is_file():
        return None
    try:
        proc = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False,
                              env={k: v for k, v in environ.items() if k == "LD_LIBRARY_PATH"} | {"LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    missing: list[str] = []
    for line in proc.stdout.splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing


def distribution(os_release: Path = Path("/etc/os-release")) -> str:
    """``debian``, ``fedora`` or ``other``: which package names to print."""
    try:
        fields = dict(line.split("=", 1) for line in os_release.read_text("utf-8").splitlines() if "=" in line)
    except OSError:
        return "other"
    family = f"{fields.get('ID', '')} {fields.get('ID_LIKE', '')}".replace('"', "").lower().split()
    if any(name in family for name in ("debian", "ubuntu")):
        return "debian"
    if any(name in family for name in ("fedora", "rhel", "centos")):
        return "fedora"
    return "other"


def install_hint(libraries: list[str], family: str) -> str:
    """The command that installs the packages providing ``libraries``."""
    debian = sorted({LIBRARY_PACKAGES[lib][0] for lib in libraries if lib in LIBRARY_PACKAGES})
    fedora = sorted({LIBRARY_PACKAGES[lib][1] for lib in libraries if lib in LIBRARY_PACKAGES})
    if not debian:
        return "install the packages that provide them"
    apt = "sudo apt-get install " + " ".join(debian)
    dnf = "sudo dnf install " + " ".join(fedora)
    if family == "debian":
        return f"install them with `{apt}`"
    if family == "fedora":
        return f"install them with `{dnf}`"
    return f"install them with `{apt}` (Debian, Ubuntu) or `{dnf}` (Fedora)"


def problem(environ: Mapping[str, str] | None = None, *, plugins: Path | None = None,
            family: str | None = None, x11_sockets: Path = X11_SOCKETS) -> str | None:
    """Why the desktop app cannot start here, in one line; ``None`` when nothing stands in the way."""
    if not sys.platform.startswith("linux"):
        return None  # macOS and Windows ship their platform plugins' dependencies with the OS
    env = os.environ if environ is None else environ
    tried = candidates(env)
    if tried is None:
        return None
    shown = [p for p in tried if p.display_variable and env.get(p.display_variable)]
    if not shown:
        names = " nor ".join(p.display_variable for p in (XCB, WAYLAND) if p.display_variable)
        return f"the desktop app needs a display and none is set ({names}); {HEADLESS_HINT}"
    reachable = [p for p in shown if display_reachable(p, env, x11_sockets=x11_sockets)]
    if not reachable:
        named = ", ".join(f"{p.display_variable}={env[p.display_variable]}" for p in shown if p.display_variable)
        return f"the desktop app cannot reach the display ({named}): is its server running? {HEADLESS_HINT}"
    folder = plugins or platforms_dir(env)
    gaps: dict[str, list[str]] = {}
    for platform in reachable:
        missing = None if folder is None else missing_libraries(folder / platform.plugin, env)
        if not missing:
            return None  # this platform loads (or ldd cannot tell, and Qt gets its chance)
        gaps[platform.name] = missing
    # Qt tries the platforms in order; the last one tried is the one whose failure aborts.
    name, missing = list(gaps.items())[-1]
    hint = install_hint(missing, family or distribution())
    shown_libs = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
    return (f"the desktop app cannot start: Qt's {name} platform plugin needs system libraries that are "
            f"missing ({shown_libs}); {hint}; {HEADLESS_HINT}")
