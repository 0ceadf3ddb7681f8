"""Files the user names (a bundle to read, an export or a backup to write): the OS's refusals as domain errors.

A missing file, a folder without write permission or a full disk is bad input
about a file outside the vault, so each surface shows it like any other
(a dialog, a 4xx, one line on the terminal) instead of as a crash.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

from memvault.domain.errors import InvalidInput


@contextlib.contextmanager
def user_file(path: Path | str, verb: str) -> Iterator[None]:
    """Turn an ``OSError`` raised while ``verb``-ing (``"read"``, ``"write"``) the file at ``path`` into
    :class:`InvalidInput` naming the file and the OS's reason (a path that names no file is a mistyped one:
    bad input, as the CLI's exit status 2 says)."""
    try:
        yield
    except FileNotFoundError:
        if verb == "read":
            raise InvalidInput(f"there is no file {path}") from None
        raise InvalidInput(f"cannot {verb} {path}: its folder does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise InvalidInput(f"cannot {verb} {path}: permission denied") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise InvalidInput(f"cannot {verb} {path}: the disk is full") from None
        raise InvalidInput(f"cannot {verb} {path}: {exc.strerror or 'the system refused'}") from None
