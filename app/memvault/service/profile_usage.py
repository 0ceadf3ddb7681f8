"""Storage figures the compatibility profiles report (Sendryx's usage: memories and exact content length)."""

from __future__ import annotations

from memvault.service import validation as v
from memvault.vault import profile_usage as rows
from memvault.vault.engine import Database


def stored(db: Database, namespace: str) -> tuple[int, int]:
    """How many memories ``namespace`` holds (expired ones included) and their content's length in characters."""
    v.namespace(namespace)
    with db.read() as conn:
        return rows.stored(conn, namespace)
