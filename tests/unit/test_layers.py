"""The layer rules, checked from the imports of every module in ``app/`` (so the layout stays true).

gui/, api/, cli/ and bench/ call service/; only vault/ speaks SQL; only crypto/
touches primitives (cryptography, hashlib, hmac, secrets); bundle/ (the file format) is pure; service/ imports
neither Qt nor FastAPI; gui/ imports neither api/ nor what service/ wraps (sync targets, the embedding model);
ranking/ and extraction/ sit under service/; domain/ imports nothing of Memvault's outer layers.
"""

from __future__ import annotations

import ast
import functools
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


@functools.lru_cache(maxsize=None)
def _parsed(path: str, _modified_ns: int) -> ast.Module:
    return ast.parse(Path(path).read_text("utf-8"))


def _tree(path: Path) -> ast.Module:
    """``path`` parsed once per process for all the rules here (each parse of the whole package cost ~2 s)."""
    return _parsed(str(path), path.stat().st_mtime_ns)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names; relative imports resolved against its package)."""
    tree = _tree(path)
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


def _randomness(path: Path) -> list[tuple[int, str]]:
    """Where ``path`` reads the OS's random bytes itself (``os.urandom``, or ``urandom`` imported from os)."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr == "urandom":
            found.append((node.lineno, "os.urandom"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(alias.name == "urandom" for alias in node.names):
            found.append((node.lineno, "os.urandom"))
    return found


#: Random bytes that are not secrets: a UUIDv7's random bits only keep ids apart (the domain imports nothing).
RANDOM_NOT_SECRET = {"domain/ids.py"}


def _primitive_users() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in APP.rglob("*.py"):
        if p.relative_to(APP).parts[0] == "crypto":
            continue
        uses = [(line, name) for line, name in _imports(p) if name.split(".")[0] in PRIMITIVES]
        if p.relative_to(APP).as_posix() not in RANDOM_NOT_SECRET:
            uses += _randomness(p)
        for line, name in sorted(uses):
            found.setdefault(p.relative_to(APP).as_posix(), []).append(f"{line}: {name}")
    return found


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_only_crypto_touches_primitives():
    users = _primitive_users()
    assert users == {}


def test_the_primitive_check_sees_hashlib_hmac_secrets_and_urandom(tmp_path, monkeypatch):
    fake = tmp_path / "app" / "memvault"
    (fake / "vault").mkdir(parents=True)
    (fake / "crypto").mkdir()
    (fake / "vault" / "bad.py").write_text("import hashlib\nfrom hmac import compare_digest\nimport secrets\n"
                                           "import os\nkey = os.urandom(32)\nfrom os import urandom\n")
    (fake / "crypto" / "fine.py").write_text("import hashlib\nimport os\nkey = os.urandom(32)\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake)
    assert _primitive_users() == {"vault/bad.py": ["1: hashlib", "2: hmac", "3: secrets", "5: os.urandom",
                                                   "6: os.urandom"]}


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The rule test itself must be able to fail: a gui module importing the vault is caught."""
    fake_root = tmp_path
    (fake_root / "app" / "memvault" / "gui").mkdir(parents=True)
    (fake_root / "app" / "memvault" / "gui" / "bad.py").write_text("from memvault.vault import memories\nfrom ..api import app\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake_root / "app" / "memvault")
    assert _violations("gui") == ["app/memvault/gui/bad.py:1 imports memvault.vault", "app/memvault/gui/bad.py:2 imports memvault.api"]


SURFACES = ("gui", "cli", "api")


def _vault_reaches() -> dict[str, list[int]]:
    """Where a surface reads ``<something>.vault.<attribute>``: the vault object behind the services."""
    found: dict[str, list[int]] = {}
    for surface in SURFACES:
        for p in (APP / surface).rglob("*.py"):
            for node in ast.walk(_tree(p)):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                        and node.value.attr == "vault":
                    found.setdefault(p.relative_to(APP).as_posix(), []).append(node.lineno)
    return found


def test_surfaces_ask_the_services_not_the_vault_behind_them():
    assert _vault_reaches() == {}


def test_the_vault_reach_check_sees_one(tmp_path, monkeypatch):
    fake = tmp_path / "app" / "memvault"
    for surface in SURFACES:
        (fake / surface).mkdir(parents=True)
    (fake / "cli" / "bad.py").write_text("def f(services):\n    return services.vault.data_key\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake)
    assert _vault_reaches() == {"cli/bad.py": [2]}


#: Modules split along seams stay readable in one sitting (DESIGN.md, "Style"); past this, split one.
MODULE_MAX_LINES = 450


def _long_modules(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): n for p in root.rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > MODULE_MAX_LINES}


def test_no_module_is_longer_than_the_ceiling():
    assert _long_modules(APP) == {}


def test_the_length_check_sees_a_long_module(tmp_path):
    (tmp_path / "long.py").write_text("x = 1\n" * (MODULE_MAX_LINES + 1))
    (tmp_path / "short.py").write_text("x = 1\n" * MODULE_MAX_LINES)
    assert _long_modules(tmp_path) == {"long.py": MODULE_MAX_LINES + 1}
