"""A usearch index's serialized bytes without their vectors, and the vectors put back.

The vectors are stored once, in ``chunk_vectors`` (:mod:`memvault.vault.vectors`), in the float16 the index
holds; the snapshot keeps only what an unlock cannot rebuild cheaply, the graph. The layout is usearch
2.26's ``index_dense_gt::save_to_stream`` (pinned in pyproject): two uint32 (rows, bytes a row), the rows
in slot order, a 64-byte head, then the graph: a header of five uint64 (size, connectivity, base
connectivity, max level, entry slot), one int16 level per slot, then each slot's node: its key (uint64),
its level (int16), the base layer's neighbours (uint32 count and slots) and each upper layer's. A removed
slot's key is the free key (all ones); its vector is never read, and is put back as zeros.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_MATRIX_HEAD = 8
_DENSE_HEAD = 64
_GRAPH_HEAD = 40
FREE_KEY = np.uint64(2**64 - 1)


def matrix_shape(blob: bytes | bytearray | memoryview) -> tuple[int, int]:
    """(rows, bytes a row) of a serialized index."""
    rows, width = np.frombuffer(bytes(blob[:_MATRIX_HEAD]), dtype=np.uint32)
    return int(rows), int(width)


def without_vectors(blob: bytes | bytearray) -> bytes:
    """The bytes of ``blob`` minus its vectors (the matrix head is kept: it says how many to put back)."""
    rows, width = matrix_shape(blob)
    view = memoryview(blob)
    return bytes(view[:_MATRIX_HEAD]) + bytes(view[_MATRIX_HEAD + rows * width:])


def slot_keys(stripped: bytes | bytearray | np.ndarray) -> np.ndarray:
    """Each slot's key (uint64; :data:`FREE_KEY` for a removed slot), read from the graph of
    :func:`without_vectors`' bytes."""
    return _graph_keys(memoryview(stripped)[_MATRIX_HEAD + _DENSE_HEAD:])


def live_rows(blob: bytes | bytearray | np.ndarray, dim: int) -> np.ndarray:
    """The half-precision vectors of a serialized index's live slots (a removed slot's are left out: a graph
    saved whole may still hold them), as a view into ``blob`` where it can be one."""
    rows, width = matrix_shape(blob)
    if not rows:
        return np.zeros((0, dim), dtype=np.float16)
    view = memoryview(blob).cast("B") if not isinstance(blob, np.ndarray) else memoryview(blob.reshape(-1))
    matrix = np.frombuffer(view[_MATRIX_HEAD:_MATRIX_HEAD + rows * width], dtype=np.float16).reshape(rows, -1)
    keys = _graph_keys(view[_MATRIX_HEAD + rows * width + _DENSE_HEAD:])
    live = keys != FREE_KEY
    return matrix[:, :dim] if live.all() else matrix[live, :dim]


def _graph_keys(graph: memoryview) -> np.ndarray:
    size, connectivity, base, _, _ = (int(x) for x in np.frombuffer(graph[:_GRAPH_HEAD], dtype=np.uint64))
    levels = np.frombuffer(graph[_GRAPH_HEAD:_GRAPH_HEAD + 2 * size], dtype=np.int16).astype(np.int64)
    node_bytes = 8 + 2 + (4 + 4 * base) + levels * (4 + 4 * connectivity)
    starts = _GRAPH_HEAD + 2 * size + np.concatenate([[0], np.cumsum(node_bytes)[:-1]]).astype(np.int64)
    if size and int(starts[-1] + node_bytes[-1]) != len(graph):
        raise ValueError("the stored index's graph does not have the layout this release reads")
    raw = np.frombuffer(graph, dtype=np.uint8)
    keys = raw[(starts[:, None] + np.arange(8)).reshape(-1)] if size else raw[:0]
    return keys.view(np.uint64).copy() if size else np.zeros(0, dtype=np.uint64)


def with_vectors(parts: Iterable[tuple[str, bytes]], sizes: dict[str, int],
                 batches: Iterable[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """:func:`without_vectors`' bytes (by namespace) with the vectors of their slots put back, as uint8 arrays.

    Args:
        parts: ``(namespace, bytes)``: each namespace's stripped bytes in order, in any number of pieces (the
            first at least 8 bytes), each copied into place as it comes.
        sizes: each namespace's stripped length.
        batches: ``(keys, float16 matrix)`` of stored vectors, read once for every namespace (any order; keys
            in no slot are skipped). A slot whose key none of them holds gets zeros: its chunk was removed
            after the snapshot, and the log the index replays next removes it from the graph.
    """
    out: dict[str, np.ndarray] = {}
    shapes: dict[str, tuple[int, int]] = {}
    placed: dict[str, int] = {}
    for namespace, part in parts:
        piece = np.frombuffer(part, dtype=np.uint8)
        if namespace not in out:
            rows, width = shapes[namespace] = matrix_shape(part)
            # Not zeroed, and from numpy rather than a bytearray: numpy asks the kernel for huge pages for a buffer
            # this large, where a bytearray was faulted in a 4 KiB page at a time (at 100k: 115 MB, 28k faults).
            # The graph's pieces go straight into it, not joined first.
            full = out[namespace] = np.empty(sizes[namespace] + rows * width, dtype=np.uint8)
            full[:_MATRIX_HEAD] = piece[:_MATRIX_HEAD]
            piece, placed[namespace] = piece[_MATRIX_HEAD:], _MATRIX_HEAD + rows * width
        at = placed[namespace]
        if at + len(piece) > len(out[namespace]):
            raise ValueError("the stored index is longer than its parts' sizes say")
        out[namespace][at:at + len(piece)] = piece
        placed[namespace] = at + len(piece)
    targets = []
    for namespace, full in out.items():
        rows, width = shapes[namespace]
        if placed[namespace] != len(full):
            raise ValueError("the stored index is shorter than its parts' sizes say")
        keys = _graph_keys(memoryview(full)[_MATRIX_HEAD + rows * width + _DENSE_HEAD:])
        if rows != len(keys):
            raise ValueError("the stored index's vector count does not match its graph")
        if rows:
            # One element a row: numpy then moves each vector as one item (a third of the time of a byte matrix).
            matrix = full[_MATRIX_HEAD:_MATRIX_HEAD + rows * width].view(np.dtype((np.void, width)))
            order = np.argsort(keys, kind="stable")
            targets.append((keys[order], order, matrix, width, np.zeros(rows, dtype=bool)))
    if not targets:
        return out  # no vector to put back (a new vault's empty snapshot): the table is not read
    for found, vectors in batches:
        found = np.asarray(found, dtype=np.uint64)
        stored = np.ascontiguousarray(vectors)
        for sorted_keys, order, matrix, width, filled in targets:
            if stored.nbytes != len(found) * width:
                raise ValueError("a stored vector's size does not match the index")
            as_rows = stored.view(np.dtype((np.void, width))).reshape(len(found))
            at = np.minimum(np.searchsorted(sorted_keys, found), len(sorted_keys) - 1)
            hit = sorted_keys[at] == found
            if hit.all():
                matrix[order[at]] = as_rows
                filled[order[at]] = True
            elif hit.any():
                matrix[order[at[hit]]] = as_rows[hit]
                filled[order[at[hit]]] = True
    for _, _, matrix, width, filled in targets:
        if not filled.all():
            matrix[~filled] = np.zeros(1, dtype=np.dtype((np.void, width)))
    return out
