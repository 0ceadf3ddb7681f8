"""The layer rules, checked from the imports of every module in ``app/`` (so the layout stays true).

gui/, api/, cli/ and bench/ call service/; only vault/ speaks SQL; only crypto/
touches primitives; bundle/ (the file format) is pure; service/ imports neither Qt nor FastAPI; gui/ does not
import api/; domain/ imports nothing of Memvault's outer layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

APP = ROOT / "app" / "memvault"
SQL = ("sqlalchemy", "sqlcipher3", "sqlite_vec", "sqlite3")
QT = ("PySide6", "shiboken6", "qtawesome")
HTTP = ("fastapi", "starlette", "uvicorn", "fastapi_offline")

#: package -> prefixes its modules must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": ("memvault.vault", "memvault.embedding", "memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench",
               "memvault.bundle", "memvault.sync", "memvault.extraction", "memvault.crypto") + SQL + QT + HTTP,
    "crypto": ("memvault.vault", "memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "bundle": ("memvault.vault", "memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "sync": ("memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "vault": ("memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + QT + HTTP,
    "embedding": ("memvault.vault", "memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "service": ("memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "api": ("memvault.vault", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT,
    "gui": ("memvault.vault", "memvault.api", "memvault.cli", "memvault.bench") + SQL + HTTP,
    "cli": ("memvault.vault",) + SQL,
    "bench": ("memvault.vault",) + SQL,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names; relative imports resolved against its package)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = ".".join(path.relative_to(ROOT / "app").with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.append((node.lineno, base))
    return found


def _violations(package: str) -> list[str]:
    bad = []
    for path in sorted((APP / package).rglob("*.py")):
        for line, name in _imports(path):
            for prefix in FORBIDDEN[package]:
                if name == prefix or name.startswith(prefix + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inward(package):
    assert (APP / package).is_dir()
    assert _violations(package) == []


def test_only_crypto_imports_cryptography():
    bad = [f"{p.relative_to(ROOT)}:{line}" for p in APP.rglob("*.py") if "crypto" not in p.relative_to(APP).parts[:1]
           for line, name in _imports(p) if name == "cryptography" or name.startswith("cryptography.")]
    assert bad == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The rule test itself must be able to fail: a gui module importing the vault is caught."""
    fake_root = tmp_path
    (fake_root / "app" / "memvault" / "gui").mkdir(parents=True)
    (fake_root / "app" / "memvault" / "gui" / "bad.py").write_text("from memvault.vault import memories\nfrom ..api import app\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake_root / "app" / "memvault")
    assert _violations("gui") == ["app/memvault/gui/bad.py:1 imports memvault.vault", "app/memvault/gui/bad.py:2 imports memvault.api"]
