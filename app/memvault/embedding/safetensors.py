"""Reading a ``.safetensors`` file checked against its pinned sha256, without torch.

The format is an 8-byte little-endian header length, a JSON table of tensors
(dtype, shape, byte range) and the raw little-endian data. The file is read
once: the same bytes are hashed and then parsed, so what is parsed is exactly
what was checked.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from memvault.crypto.digest import sha256_hex
from memvault.domain.errors import ModelError

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_checked(path: Path, sha256: str) -> bytes:
    """The file's bytes, if their sha256 is ``sha256``; a :class:`ModelError` otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"the model's weights file {path} is missing; reinstall Memvault") from None
    actual = sha256_hex(data)
    if actual != sha256:
        raise ModelError(f"the model's weights file {path} has been altered (sha256 {actual[:12]}…, "
                         f"expected {sha256[:12]}…); reinstall Memvault")
    return data


def parse(data: bytes) -> dict[str, np.ndarray]:
    """The tensors in safetensors ``data``, as read-only arrays viewing it (no copy)."""
    try:
        (header_len,) = struct.unpack_from("<Q", data, 0)
        header = json.loads(data[8:8 + header_len])
        base = 8 + header_len
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
            shape = tuple(info["shape"])
            array = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin)
            out[name] = array.reshape(shape)
        return out
    except (struct.error, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the model's weights file is not a readable safetensors file: {exc}") from None
