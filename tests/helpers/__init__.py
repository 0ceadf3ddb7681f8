"""What many tests share: the test passphrase, cheap vault settings, polling, the repository root."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from memvault import priority
from memvault.config import Settings, load_settings

PASSPHRASE = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def fast_settings(home: Path, **overrides: object) -> Settings:
    """Settings for tests: cheap Argon2id (the KDF is not under test everywhere)."""
    values = dict(home=str(home), kdf_memory_kib=1024, kdf_iterations=1, reader_cache_mib=32)
    values.update(overrides)
    return load_settings(environ={}, **values)


def wait_for(predicate, timeout: float = 20.0) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


class ManualClock:
    """A wall clock for the service that tests move by hand (TTL expiry without touching rows).

    Each reading ticks a millisecond forward, so successive changes still get
    distinct, increasing times as they would on a real clock.
    """

    def __init__(self, start: float | None = None) -> None:
        self.value = time.time() if start is None else start

    def __call__(self) -> float:
        self.value += 0.001
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


def _threads_can_be_lowered() -> bool:
    """Linux, a process not niced to the bottom already, and no sandbox refusing a thread its own nice value."""
    if not sys.platform.startswith("linux") or os.getpriority(os.PRIO_PROCESS, os.getpid()) >= priority.BACKGROUND_NICE:
        return False
    lowered = []

    def probe() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), priority.BACKGROUND_NICE)
            lowered.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return bool(lowered)


def lowerable_threads(test):
    """For tests of background threads' lowered priority, which the suite otherwise leaves off (``conftest.py``):
    on, where a thread can be told apart from the process."""
    test = pytest.mark.usefixtures("thread_priorities")(test)
    return pytest.mark.skipif(
        not _threads_can_be_lowered(),
        reason="a thread has a priority of its own on Linux only, and a process niced to the bottom has none lower",
    )(test)
