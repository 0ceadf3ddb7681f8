"""Real storage faults for tests: a small tmpfs that can be filled or made read-only, and damaged pages.

Mounting needs root (the test machines run as root); tests that need it skip otherwise, except
under CI (``CI=true``), where a scenario that cannot run fails: CI runs as root, so a skip there
means the disk-full and read-only checks silently stopped running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = 4096


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def cannot_run(reason: str) -> None:
    """Skip the scenario on a developer machine; fail it under CI, where it must run."""
    if in_ci():
        pytest.fail(f"storage scenario could not run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def small_disk(path: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (skips the test when mounting is not possible)."""
    if not can_mount():
        cannot_run("needs root to mount a small filesystem")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        cannot_run(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(disk: Path) -> Path:
    """Write a ballast file until the filesystem is full; returns it (delete it to free the space)."""
    ballast = disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 65536, PAGE, 512, 1):
            block = b"\0" * size
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, block)
    finally:
        os.close(fd)
    return ballast


def remount(disk: Path, mode: str) -> None:
    """``mode`` is ``ro`` or ``rw``."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)


def damage_page(db: Path, page: int) -> None:
    """Flip bytes in the middle of ``page`` (1-based, as SQLite counts) of a closed database file."""
    with open(db, "r+b") as f:
        f.seek((page - 1) * PAGE + PAGE // 2)
        chunk = f.read(16)
        f.seek((page - 1) * PAGE + PAGE // 2)
        f.write(bytes(b ^ 0xFF for b in chunk))
