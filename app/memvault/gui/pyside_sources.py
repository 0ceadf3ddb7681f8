"""Keeps PySide6 from holding the source text of every module imported after it.

For its opt-in ``__feature__`` switches PySide6 asks of each newly imported
module whether it uses PySide, by searching the module's source got with
``inspect.getsource``; that leaves every file in ``linecache``. In the desktop
app that is ~950 files, ~32 MB of strings nothing reads again (and clearing
the cache later hands little back: the strings sit among long-lived objects).
The same question is answered here from the file, without caching it.
"""

from __future__ import annotations

import inspect
from types import ModuleType


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6, as PySide6 decides it, without filling ``linecache``."""
    try:
        path = inspect.getsourcefile(module)
    except TypeError:  # a built-in module
        return False
    if path is None:
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> None:
    """Answer PySide6's per-import question with :func:`uses_pyside` (no-op where PySide6 cannot load)."""
    try:
        import shiboken6  # noqa: F401  (loads PySide6's import hook, not Qt's GUI libraries)
        from shibokensupport import feature
    except ImportError:
        return
    if callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = uses_pyside
