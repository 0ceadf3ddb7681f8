"""Every row of a vault, for tests that must show a vault is exactly as it was (or exactly like another)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from memvault.domain.transfer import MemoryRecord
from memvault.service.container import create_vault
from memvault.vault import export_queries
from tests.helpers import PASSPHRASE, fast_settings

_TABLES = {
    "memories": "SELECT * FROM memories ORDER BY id",
    "memory_history": "SELECT * FROM memory_history ORDER BY id",
    "memory_tags": "SELECT * FROM memory_tags ORDER BY memory_id, tag",
    "memory_fts": "SELECT rowid, content FROM memory_fts ORDER BY rowid",
    "memory_fts_segmented": "SELECT rowid, words FROM memory_fts_segmented ORDER BY rowid",
    "chunks": "SELECT * FROM chunks ORDER BY id",
    "chunk_vectors": "SELECT * FROM chunk_vectors ORDER BY chunk_id",
    "oplog": "SELECT * FROM oplog ORDER BY id",
    "embedding_jobs": "SELECT * FROM embedding_jobs ORDER BY memory_id",
    "namespaces": "SELECT * FROM namespaces ORDER BY name",
    "settings": "SELECT * FROM settings ORDER BY key",
}


def table_rows(services, queries: dict[str, str]) -> dict[str, list[tuple]]:
    """Each named query's rows (queries give a stable order), to compare two vaults or one vault over time."""
    with services.vault.db.read() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql)).all()] for name, sql in queries.items()}


def vault_state(services) -> dict[str, list[tuple]]:
    """The content of every table that an import could touch, in a stable order."""
    return table_rows(services, _TABLES)


@contextmanager
def vault_pair(tmp_path: Path, embedder, names: tuple[str, str] = ("single", "batched")) -> Iterator[list]:
    """Two new vaults built alike, for tests that do the same thing two ways and compare what each left."""
    pair = [create_vault(fast_settings(tmp_path / name), PASSPHRASE, embedder, background=False) for name in names]
    try:
        yield pair
    finally:
        for services in pair:
            services.close()


def records_of(services, namespace: str, *, history: bool = True, deleted: bool = True) -> list[MemoryRecord]:
    """A namespace as an export reads it: every field, history and vectors (sorted by id)."""
    with services.vault.db.read() as conn:
        found = export_queries.iter_records(conn, [namespace], include_history=history, include_deleted=deleted,
                                            now=0.0, dimension=services.embedder.dimension)
        return sorted(found, key=lambda r: r.id)
