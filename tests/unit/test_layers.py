"""The layer rules, checked from the imports of every module in ``app/`` (so the layout stays true).

gui/, api/, cli/ and bench/ call service/; only vault/ speaks SQL; only crypto/
touches primitives (cryptography, hashlib, hmac, secrets); bundle/ (the file format) is pure; service/ imports
neither Qt nor FastAPI; gui/ imports neither api/ nor what service/ wraps (sync targets, the embedding model);
ranking/ and extraction/ sit under service/; domain/ imports nothing of Memvault's outer layers.
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
    "sharing": ("memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "vault": ("memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + QT + HTTP,
    "embedding": ("memvault.vault", "memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "ranking": ("memvault.service", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench", "memvault.sync",
                "memvault.bundle") + SQL + QT + HTTP,
    # extraction/train_types.py, a training script, builds its embedder through service.container.
    "extraction": ("memvault.vault", "memvault.api", "memvault.gui", "memvault.cli", "memvault.bench", "memvault.sync",
                   "memvault.bundle", "memvault.ranking") + SQL + QT + HTTP,
    "service": ("memvault.api", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT + HTTP,
    "api": ("memvault.vault", "memvault.gui", "memvault.cli", "memvault.bench") + SQL + QT,
    "gui": ("memvault.vault", "memvault.api", "memvault.cli", "memvault.bench", "memvault.sync", "memvault.sharing",
            "memvault.embedding")
    + SQL + HTTP,
    "cli": ("memvault.vault",) + SQL,
    "bench": ("memvault.vault",) + SQL,
}


#: Single modules allowed one import their package may not make, each with why. Benchmarks compare search
#: with the exact answer, which is the vault's stored vectors (no service hands them out), and measure the
#: in-memory index on its own at a scale no vault on one machine reaches.
EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "bench/ground_truth.py": ("memvault.vault.memory_queries", "memvault.vault.search", "memvault.vault.vectors"),
    "bench/index_probe.py": ("memvault.vault.knn",),
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
        allowed = EXCEPTIONS.get(path.relative_to(APP).as_posix(), ())
        for line, name in _imports(path):
            if any(name == a or name.startswith(a + ".") for a in allowed):
                continue
            for prefix in FORBIDDEN[package]:
                if name == prefix or name.startswith(prefix + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inward(package):
    assert (APP / package).is_dir()
    assert _violations(package) == []


PRIMITIVES = ("cryptography", "hashlib", "hmac", "secrets")


def _primitive_users() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in APP.rglob("*.py"):
        if p.relative_to(APP).parts[0] == "crypto":
            continue
        for line, name in _imports(p):
            if name.split(".")[0] in PRIMITIVES:
                found.setdefault(p.relative_to(APP).as_posix(), []).append(f"{line}: {name}")
    return found


def test_only_crypto_touches_primitives():
    users = _primitive_users()
    assert users == {}


def test_the_primitive_check_sees_hashlib_hmac_and_secrets(tmp_path, monkeypatch):
    fake = tmp_path / "app" / "memvault"
    (fake / "vault").mkdir(parents=True)
    (fake / "crypto").mkdir()
    (fake / "vault" / "bad.py").write_text("import hashlib\nfrom hmac import compare_digest\nimport secrets\n")
    (fake / "crypto" / "fine.py").write_text("import hashlib\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake)
    assert _primitive_users() == {"vault/bad.py": ["1: hashlib", "2: hmac", "3: secrets"]}


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The rule test itself must be able to fail: a gui module importing the vault is caught."""
    fake_root = tmp_path
    (fake_root / "app" / "memvault" / "gui").mkdir(parents=True)
    (fake_root / "app" / "memvault" / "gui" / "bad.py").write_text("from memvault.vault import memories\nfrom ..api import app\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake_root / "app" / "memvault")
    assert _violations("gui") == ["app/memvault/gui/bad.py:1 imports memvault.vault", "app/memvault/gui/bad.py:2 imports memvault.api"]
