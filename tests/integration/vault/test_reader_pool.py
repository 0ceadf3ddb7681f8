"""The vault's read connections stay checked out between reads, on a real SQLCipher file."""

import os
import threading

import pytest
import sqlcipher3
from sqlalchemy import event, text

from memvault.domain.errors import VaultBusy, VaultError
from memvault.vault.connect import database_url, make_engine
from memvault.vault.engine import Database
from memvault.vault.reader_pool import ReaderPool


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "vault.db", os.urandom(32), readers=2, reader_cache_mib=1)
    with database.write() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    yield database
    database.dispose()


def _checkouts(database: Database) -> list[int]:
    """Counts the engine pool's checkouts from now on (each one is the cost a read no longer pays)."""
    seen: list[int] = []
    event.listen(database._readers.engine.pool, "checkout", lambda *_: seen.append(1))
    return seen


def _driver(conn):
    return conn.connection.dbapi_connection


def test_reads_one_after_another_use_one_connection_without_a_pool_checkout(db):
    with db.read() as conn:
        first = _driver(conn)
    checkouts = _checkouts(db)
    for _ in range(5):
        with db.read() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1
            assert _driver(conn) is first
    assert checkouts == []


def test_a_read_begins_and_ends_its_own_transaction(db):
    with db.read() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1
        assert _driver(conn).in_transaction, "a snapshot: the read is one transaction"
        held = _driver(conn)
    assert not held.in_transaction, "ended: the next writer's changes are seen by the next read"
    with db.write() as conn:
        conn.execute(text("UPDATE t SET x = 2"))
    with db.read() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar_one() == 2


def test_more_readers_than_connections_wait_for_one_to_come_back(db):
    """Two connections for three threads: the third read starts only once one of the first two has ended."""
    holding = threading.Barrier(3)
    release = threading.Event()
    order: list[str] = []
    drivers: set[int] = set()

    def hold(name: str) -> None:
        with db.read() as conn:
            drivers.add(id(_driver(conn)))
            order.append(f"{name} began")
            holding.wait(5)
            release.wait(5)
        order.append(f"{name} ended")

    threads = [threading.Thread(target=hold, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    holding.wait(5)  # both hold a connection now

    def third() -> None:
        with db.read() as conn:
            drivers.add(id(_driver(conn)))
            order.append("c began")

    late = threading.Thread(target=third)
    late.start()
    late.join(0.3)
    assert late.is_alive() and "c began" not in order, "a third connection was opened"
    release.set()
    for t in [*threads, late]:
        t.join(5)
    assert order.index("c began") > min(order.index("a ended"), order.index("b ended"))
    assert len(drivers) == 2


def test_a_discarded_connection_is_closed_and_replaced(db):
    with db.read(discard=True) as conn:
        dropped = _driver(conn)
    with pytest.raises(sqlcipher3.ProgrammingError):
        dropped.execute("SELECT 1")
    for _ in range(3):  # the pool still hands out working connections, a new one in its place
        with db.read() as conn:
            assert _driver(conn) is not dropped
            assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1


def test_a_pool_with_every_connection_held_refuses_after_its_timeout(tmp_path, db):
    pool = ReaderPool(make_engine(database_url(db.path, db._key), pool_size=1, cache_kib=1024, writer=False),
                      1, timeout=0.2)
    try:
        with pool.connection():
            with pytest.raises(VaultBusy, match="read connection"), pool.connection():
                pass
        with pool.connection() as conn:  # back once the holder let go
            assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1
    finally:
        pool.dispose()


def test_disposing_closes_the_idle_connections_and_refuses_reads(db):
    with db.read() as conn:
        idle = _driver(conn)
    db.dispose()
    with pytest.raises(sqlcipher3.ProgrammingError):
        idle.execute("SELECT 1")
    with pytest.raises(VaultError, match="closed"):
        with db.read():
            pass
