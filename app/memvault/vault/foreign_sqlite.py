"""Reading another tool's SQLite file (mcp-memory-service, mem0's history), read-only, a page at a time.

These are plain SQLite files, not this vault: they are opened read-only with
the standard library driver, never written, and only the columns asked for
that the table has are read (tools add columns across versions).
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from memvault.domain.errors import InvalidInput

_MAGIC = b"SQLite format 3\x00"
_PAGE = 500


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(source: Path | bytes, name: str) -> sqlite3.Connection:
    if isinstance(source, bytes):
        magic = source[:len(_MAGIC)]
    else:
        try:
            with open(source, "rb") as fh:
                magic = fh.read(len(_MAGIC))
        except FileNotFoundError:
            raise InvalidInput(f"there is no file {source}") from None
        except OSError as exc:
            raise InvalidInput(f"cannot read {source}: {exc.strerror or 'the system refused'}") from None
    if magic != _MAGIC:
        raise InvalidInput(f"{name} is not an SQLite database")
    try:
        if isinstance(source, bytes):
            # An upload stays in memory (it is plaintext): SQLite reads it from there.
            conn = sqlite3.connect(":memory:")
            conn.deserialize(source)
            return conn
        return sqlite3.connect("file:" + urllib.parse.quote(str(source.resolve())) + "?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(f"{name}: cannot open the SQLite file ({exc})") from None


def read_rows(source: Path | bytes, name: str, table: str, wanted: Sequence[str], *,
              order_by: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Each row of ``table`` in the file (or the file's bytes) ``source`` named ``name``, as a dict of the
    ``wanted`` columns it has (missing ones are absent)."""
    conn = _connect(source, name)
    try:
        have = [r[1] for r in conn.execute(f"PRAGMA table_info({_quoted(table)})")]
        if not have:
            raise InvalidInput(f"{name} has no table {table!r} (not the database this importer reads?)")
        columns = [c for c in wanted if c in have]
        order = ", ".join(_quoted(c) for c in order_by if c in have) or "rowid"
        cursor = conn.execute(f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)} "
                              f"ORDER BY {order}")
        while rows := cursor.fetchmany(_PAGE):
            for row in rows:
                yield dict(zip(columns, row, strict=True))
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{name}: the SQLite file is damaged or unreadable ({exc})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: table {table!r} holds text that is not UTF-8") from None
    finally:
        conn.close()
