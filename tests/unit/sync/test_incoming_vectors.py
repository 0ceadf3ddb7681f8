"""Vectors shipped in a sync op: used only when they are the same model's and well formed; a damaged payload is
refused as damaged data, never stored and never a crash."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from memvault.domain.errors import DamagedData
from memvault.sync.incoming import _vector_set
from memvault.sync.replica import Models

MODELS = Models("model-a", 4)


def _unit_rows() -> np.ndarray:
    rows = np.arange(8, dtype="<f4").reshape(2, 4)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype("<f4")


def payload(data: str | None = None, **overrides) -> dict:
    vectors = _unit_rows().tobytes()
    return {"model": "model-a", "dim": 4, "hash": "h", "spans": [[0, 3], [3, 6]],
            "data": base64.b64encode(vectors).decode("ascii") if data is None else data} | overrides


def test_well_formed_vectors_of_the_same_model_are_used():
    found = _vector_set(payload(), "h", MODELS)
    assert found is not None and found.spans == ((0, 3), (3, 6))
    assert np.frombuffer(found.data, dtype="<f4").tolist() == _unit_rows().ravel().tolist()


@pytest.mark.parametrize("overrides", [{"model": "model-b"}, {"dim": 8}, {"hash": "other"}])
def test_vectors_of_another_model_or_content_are_ignored(overrides):
    assert _vector_set(payload(**overrides), "h", MODELS) is None


@pytest.mark.parametrize("data", [
    "AAAA!AAA" * 6,                                   # outside the alphabet
    base64.b64encode(bytes(32)).decode()[:-2],        # padding cut off
    "=" + base64.b64encode(bytes(32)).decode(),       # padding first
    base64.b64encode(bytes(32)).decode() + "AAAA",    # too long for its spans
    "AAAA\u00e9AAA",                                  # not ASCII
])
def test_damaged_vector_data_is_refused(data):
    with pytest.raises(DamagedData):
        _vector_set(payload(data), "h", MODELS)


def test_vector_data_of_the_wrong_type_is_refused():
    with pytest.raises(DamagedData):
        _vector_set(payload() | {"data": 12}, "h", MODELS)


@pytest.mark.parametrize("values", [np.nan, np.inf, 0.0, 3.0])
def test_vectors_no_model_made_are_left_out_and_the_memory_embedded_here(values):
    """A member's crafted op with NaN vectors would rank its memory first for every query on every device."""
    crafted = np.full(8, values, dtype="<f4").tobytes()
    assert _vector_set(payload(base64.b64encode(crafted).decode("ascii")), "h", MODELS) is None
