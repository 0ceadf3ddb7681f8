"""Statistics and namespace listings."""

from __future__ import annotations

from pathlib import Path

from memvault.domain.clock import Clock, system_clock
from memvault.domain.models import Namespace, Stats
from memvault.service import validation as v
from memvault.vault import memory_queries as repo
from memvault.vault import oplog
from memvault.vault import stats as vstats
from memvault.vault.engine import Database


class StatsService:
    """Counts for the stats view, the CLI and ``/v1/stats``."""

    def __init__(self, db: Database, wall: Clock = system_clock) -> None:
        self._db = db
        self._wall = wall

    def stats(self, namespace: str | None = None) -> Stats:
        if namespace is not None:
            v.namespace(namespace)
        with self._db.read() as conn:
            return vstats.collect(conn, self._db.path, self._wall(), namespace)

    def file_space(self) -> vstats.FileSpace:
        """The database file's pages, used and free (without the write-ahead log)."""
        with self._db.read() as conn:
            return vstats.file_space(conn)

    def page_breakdown(self, scratch: Path) -> dict[str, int]:
        """Bytes per table; writes a plaintext copy into ``scratch`` for the count (bench vaults only)."""
        return vstats.page_breakdown(self._db, scratch)

    def namespaces(self) -> list[Namespace]:
        with self._db.read() as conn:
            counts = repo.namespace_counts(conn, self._wall())
        return [Namespace(name, n) for name, n in sorted(counts.items())]

    def trash_count(self) -> int:
        """How many memories the trash holds."""
        with self._db.read() as conn:
            return repo.trash_count(conn)

    def changes_made(self) -> int:
        """A number that grows with every change committed to a memory, by this process or another one that has
        the vault open (a command, a separate server, an MCP client's ``memvault mcp``): the desktop app looks at
        it to show what they changed."""
        with self._db.read() as conn:
            return oplog.head(conn)
