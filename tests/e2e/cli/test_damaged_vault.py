"""A vault with one bit flipped in a page (issue 38 item 8): every command says so without a traceback, and
none changes the vault's files; `check --repair` says what it can and cannot repair."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from memvault.domain.models import MemoryCreate
from memvault.service.container import create_vault
from memvault.vault.vault import db_path
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.cli import run
from tests.helpers.storage import PAGE

pytestmark = pytest.mark.seconds  # each builds and damages a vault (~2 s): the whole suite runs them

MARKER = "QQ-DAMAGED-7c1e"


def flip_bit(db, page: int) -> None:
    """One bit, in the middle of ``page`` (1-based), as a failing disk or a cosmic ray would."""
    with open(db, "r+b") as f:
        f.seek((page - 1) * PAGE + PAGE // 2)
        byte = f.read(1)[0]
        f.seek((page - 1) * PAGE + PAGE // 2)
        f.write(bytes([byte ^ 0x08]))


def files_of(home) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def damaged_once(tmp_path_factory, fake_embedder):
    """A vault with one bit flipped in the root page of the stored vectors: a page that listing and stats never
    read (they must still answer), that every whole-file check sees, and whose number does not depend on how the
    schema lays out the memory table's indexes (a fixed page number became one that stats reads when they moved).

    Built once per module (400 memories took 15 s on a busy 2-core machine); each test damages its own copy."""
    home = tmp_path_factory.mktemp("damaged") / "vault"
    services = create_vault(fast_settings(home), PASSPHRASE, fake_embedder, background=False)
    services.memories.create_batch([MemoryCreate(content=f"{MARKER} note {i} about sailing " * 6, tags=[f"t{i % 7}"])
                                    for i in range(100)])
    for i in range(300):
        services.memories.create(MemoryCreate(content=f"{MARKER} single {i} about baking " * 6))
    services.worker.drain()
    with services.vault.db.read() as conn:
        page = int(conn.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = 'chunk_vectors'").scalar_one())
    services.close()
    assert db_path(home).stat().st_size > page * PAGE
    flip_bit(db_path(home), page)
    return home, page


@pytest.fixture
def damaged(env, damaged_once):
    built, page = damaged_once
    home = env / "vault"
    shutil.copytree(built, home)
    assert files_of(home) == files_of(built)
    return home, page


def test_check_and_repair_report_a_damaged_page_without_a_traceback(damaged, capsys):
    damaged, page = damaged
    before = files_of(damaged)
    code, out, err = run(capsys, "check")
    assert code == 3 and f"HMAC verification failed for page {page}" in out, out + err
    assert "PROBLEM (pages)" in out and "backup" in out
    code, out, err = run(capsys, "check", "--repair")
    assert code == 3, out + err
    assert "nothing was repaired: the vault file is damaged" in out and "restore the vault folder from a backup" in out
    for text in (out, err):
        assert "Traceback" not in text and "OperationalError" not in text and MARKER not in text
    assert files_of(damaged) == before


@pytest.mark.parametrize("argv, status", [
    (("stats",), 0),
    (("add", f"{MARKER} written into a damaged vault", "--no-wait"), 1),
    (("list", "--limit", "3"), 0),
    (("check",), 3),
])
def test_no_command_changes_a_damaged_vault(damaged, capsys, argv, status):
    damaged, _ = damaged
    before = files_of(damaged)
    code, out, err = run(capsys, *argv)
    assert code == status, (argv, out, err)
    assert "Traceback" not in out + err and MARKER not in err
    if status == 1:
        assert err.startswith("memvault: the vault file is damaged") and "memvault check" in err
    if argv[0] == "stats":
        assert "vault file is damaged; run `memvault check`" in out
    assert files_of(damaged) == before
