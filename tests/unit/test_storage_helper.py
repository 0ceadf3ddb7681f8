"""The disk-full and read-only scenarios cannot silently stop running under CI (issue 38 item 14)."""

from __future__ import annotations

import pytest

from tests.helpers import storage


def test_a_scenario_that_cannot_mount_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(storage, "can_mount", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="could not run under CI"):
        with storage.small_disk(tmp_path / "disk"):
            pass


def test_it_skips_on_a_developer_machine(monkeypatch, tmp_path):
    monkeypatch.setattr(storage, "can_mount", lambda: False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        with storage.small_disk(tmp_path / "disk"):
            pass
