"""Checks shared by the vector index tests: what the index holds, and answers compared with exact search."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text


def stored_chunks(services) -> dict[str, set[int]]:
    """Chunk ids with a stored vector, by namespace."""
    with services.vault.db.read() as conn:
        out: dict[str, set[int]] = {}
        for rowid, ns in conn.execute(text("SELECT v.chunk_id, m.namespace FROM chunk_vectors v "
                                           "JOIN chunks c ON c.id = v.chunk_id JOIN memories m ON m.id = c.memory_id")):
            out.setdefault(ns, set()).add(rowid)
    return out


def index_keys(services) -> dict[str, set[int]]:
    """Chunk ids the process's index holds, by namespace, after catching up."""
    index = services.vector_index
    with services.vault.db.read() as conn:
        assert index.catch_up(conn)
    ann = index._ann
    return {ns: set(ann.keys(ns).tolist()) for ns in ann.namespaces if ann.size(ns)}


def missed(got, exact) -> int:
    """How many of exact search's neighbours an answer misses (a tie at the same distance is no miss)."""
    assert len(got) == len(exact)
    return sum(1 for g, e in zip(got, exact) if g.distance > e.distance + 2e-3)


def assert_same_answer(got, exact) -> None:
    """The same neighbours as exact search (up to ties and half-precision distances)."""
    assert len(got) == len(exact)
    np.testing.assert_allclose([h.distance for h in got], [h.distance for h in exact], atol=2e-3)
    if exact:
        last = exact[-1].distance
        differing = {h.chunk_id for h in got} ^ {h.chunk_id for h in exact}
        by_chunk = {h.chunk_id: h.distance for h in [*got, *exact]}
        assert all(by_chunk[c] >= last - 2e-3 for c in differing), "only ties at the boundary may differ"
