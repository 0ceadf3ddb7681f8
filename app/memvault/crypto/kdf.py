"""Argon2id: turning a passphrase into a 32-byte key-encryption key.

The parameters travel with the data they protect (the vault header, a bundle
header, the sync key file), so they are read from files that may be damaged
or hostile. :data:`BOUNDS` limits what a file may ask for: a header claiming
a billion iterations or terabytes of memory would otherwise hang or kill the
process that tries to unlock it. Parameters we create ourselves obey the same
bounds, so everything we write can be read back.

A passphrase is read in Unicode's composed form (NFC): "ä" typed as one character
or as "a" and a combining mark, as input methods and keyboard layouts differ, is the
same passphrase. Keys wrapped before that were derived from the text as typed, so an
unwrap also tries it as typed and decomposed (:meth:`KdfParams.derive_each`).
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from memvault.domain.errors import DamagedData, InvalidInput

KEY_BYTES = 32
DEFAULT_LANES = 4
DEFAULT_SALT_BYTES = 16
# Two derivations at once with more than one lane make cryptography (50.x, OpenSSL's Argon2 thread pool) raise
# MemoryError in one of them: a preview started while the last one still derives, two HTTP imports, an unlock
# during an export. One at a time also caps the memory Argon2id takes.
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class KdfBounds:
    """Inclusive limits on Argon2id parameters; the work cap bounds memory × iterations."""

    memory_kib: tuple[int, int]
    iterations: tuple[int, int]
    lanes: tuple[int, int]
    salt_bytes: tuple[int, int]
    max_work_kib: int

    def violations(self, params: KdfParams) -> list[str]:
        """What is wrong with ``params`` (empty when they are acceptable)."""
        problems = []
        for name, value, (low, high) in (
            ("memory_kib", params.memory_kib, self.memory_kib),
            ("iterations", params.iterations, self.iterations),
            ("lanes", params.lanes, self.lanes),
            ("salt length", len(params.salt), self.salt_bytes),
        ):
            if not low <= value <= high:
                problems.append(f"{name} {value} is outside {low}..{high}")
        if not problems and params.memory_kib * params.iterations > self.max_work_kib:
            problems.append(
                f"memory_kib × iterations {params.memory_kib * params.iterations} exceeds {self.max_work_kib}")
        return problems


# The floor is 1 MiB rather than a "secure" minimum: a floor protects nothing
# (whoever can rewrite the parameters cannot rewrap the key), it only rejects
# nonsense, and tests and benchmark vaults are created with 1 MiB. The ceilings
# are what keeps unlock finite: at most 4 GiB, and at most 16 GiB of memory
# passes in total (about half a minute on a laptop at the very worst).
BOUNDS = KdfBounds(
    memory_kib=(1024, 4 * 1024 * 1024),
    iterations=(1, 64),
    lanes=(1, 16),
    salt_bytes=(16, 64),
    max_work_kib=16 * 1024 * 1024,
)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters: salt, memory in KiB, passes and lanes.

    Construct with :meth:`fresh` (new parameters from settings) or
    :meth:`from_untrusted` (parameters read from a file); both check
    :data:`BOUNDS`.
    """

    salt: bytes
    memory_kib: int
    iterations: int
    lanes: int = DEFAULT_LANES

    def derive(self, passphrase: str | bytes) -> bytes:
        """The 32-byte key for ``passphrase`` (a str is composed (NFC) and encoded as UTF-8)."""
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8") if isinstance(passphrase, str) \
            else passphrase
        kdf = Argon2id(
            salt=self.salt,
            length=KEY_BYTES,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        with _ONE_AT_A_TIME:
            return kdf.derive(secret)

    def derive_each(self, passphrase: str) -> Iterator[bytes]:
        """The keys ``passphrase`` may have been wrapped with, one derivation at a time: composed (as
        :meth:`derive`), then as typed and decomposed when those differ (written before passphrases were
        composed). An ASCII passphrase has one."""
        yield self.derive(passphrase)
        composed = unicodedata.normalize("NFC", passphrase)
        for form in dict.fromkeys((passphrase, unicodedata.normalize("NFD", passphrase))):
            if form != composed:
                yield self.derive(form.encode("utf-8"))

    @classmethod
    def fresh(cls, memory_kib: int, iterations: int, *, lanes: int = DEFAULT_LANES,
              rng: Callable[[int], bytes] = os.urandom) -> KdfParams:
        """New parameters with a random salt; settings outside :data:`BOUNDS` are :class:`InvalidInput`."""
        params = cls(salt=rng(DEFAULT_SALT_BYTES), memory_kib=int(memory_kib), iterations=int(iterations),
                     lanes=int(lanes))
        problems = BOUNDS.violations(params)
        if problems:
            raise InvalidInput("Argon2id settings out of range: " + "; ".join(problems))
        return params

    @classmethod
    def from_untrusted(cls, salt: bytes, memory_kib: object, iterations: object, lanes: object) -> KdfParams:
        """Parameters read from a file; anything outside :data:`BOUNDS` is :class:`DamagedData`."""
        try:
            params = cls(salt=bytes(salt), memory_kib=_strict_int(memory_kib), iterations=_strict_int(iterations),
                         lanes=_strict_int(lanes))
        except (TypeError, ValueError) as exc:
            raise DamagedData(f"the key derivation parameters are unreadable ({exc}); "
                              "the file is damaged or was written by something else") from None
        problems = BOUNDS.violations(params)
        if problems:
            raise DamagedData("the key derivation parameters are out of range (" + "; ".join(problems)
                              + "); the file is damaged or was written by something else")
        return params


def _strict_int(value: object) -> int:
    # bool is an int in Python and a float would be silently truncated: neither belongs in a header.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, found {type(value).__name__}")
    return value
