"""Which model made a memory's vectors, for search while a vault changes model.

A vector is comparable with a query's only when the same model made both.
Vectors record their model's id, which starts with the model's name (its
family): ``all-MiniLM-L6-v2-onnx-int8`` (an earlier export of the same
weights), ``...-fp32-fused`` and ``...+previous-turn`` (to be remade for
another reason) are all comparable, ``multilingual-e5-small-...`` is not.
Both queries read only ``ix_memories_model``: two index ranges around the
family's prefix, so a vault whose vectors all come from one family answers
from two seeks, not a scan.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from memvault.vault import filters

_RANGES = ("model_id < :family", "model_id >= :family_end")


def _params(family: str) -> dict[str, str]:
    # Every id starting with ``family`` sorts in [family, family_end) (SQLite compares text as UTF-8 bytes).
    return {"family": family, "family_end": family[:-1] + chr(ord(family[-1]) + 1)}


def any_of_other_models(conn: Connection, family: str) -> bool:
    """Whether any memory's vectors come from a model outside ``family``."""
    probes = " OR ".join(f"EXISTS (SELECT 1 FROM memories WHERE {r})" for r in _RANGES)
    return conn.execute(text(f"SELECT {probes}"), _params(family)).scalar_one() == 1


def of_other_models(conn: Connection, memory_ids: list[int], family: str) -> set[int]:
    """Those of ``memory_ids`` whose vectors a model outside ``family`` made."""
    if not memory_ids:
        return set()
    other = " OR ".join(f"({r})" for r in _RANGES)
    rows = conn.execute(text(f"SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(:ids)) AND ({other})"),
                        {"ids": filters.json_ids(memory_ids), **_params(family)}).scalars()
    return set(rows)
