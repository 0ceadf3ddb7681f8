"""What the desktop app's imports leave behind: no module sources kept for PySide6's import hook."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import memvault.config
import memvault.gui.icons
from memvault.gui.pyside_sources import uses_pyside
from tests.helpers import ROOT

SOURCES_CHILD = """
import linecache
import memvault.gui.app, memvault.api.server, memvault.embedding.model
import fastapi.routing, memvault.service.container
kept = [m.__file__ for m in (fastapi.routing, memvault.service.container, memvault.embedding.model) if m.__file__ in linecache.cache]
print("kept sources:", kept)
"""


@pytest.mark.seconds
def test_importing_the_app_keeps_no_module_sources():
    # PySide6 read each imported module's source through linecache: ~32 MB of strings held for nothing.
    child = subprocess.run([sys.executable, "-c", SOURCES_CHILD], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, child.stderr
    assert "kept sources: []" in child.stdout


def test_pyside_is_told_the_same_about_each_module():
    # PySide6's own answer: whether the module's source names PySide6.
    for module in (memvault.gui.icons, memvault.config, inspect):
        assert uses_pyside(module) == ("PySide6" in inspect.getsource(module)), module.__name__
    assert uses_pyside(memvault.gui.icons) and not uses_pyside(memvault.config)
    assert uses_pyside(sys) is False  # built in: no source
