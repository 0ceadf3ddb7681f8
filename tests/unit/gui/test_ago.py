"""One 'how long ago' for every page: the list said "12 Nov" where the Sync page said "2026-11-12 09:14"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from memvault.gui import memory_list, sync_view
from memvault.gui.detail_meta import stamp
from memvault.gui.memory_list import secondary_line
from memvault.gui.sync_view import status_line
from memvault.gui.wording import ago
from memvault.service.sync import SyncStatus
from tests.unit.gui.test_detail_facts import _memory

NOW = dt.datetime(2026, 11, 27, 12, 0).timestamp()


@pytest.mark.parametrize(("at", "text"), [
    (None, "never"),
    (NOW - 5, "just now"),
    (NOW + 30, "just now"),  # a clock a little ahead is not "in the future"
    (NOW - 300, "5 min ago"),
    (NOW - 3 * 3600, "3 h ago"),
    (dt.datetime(2026, 11, 26, 9, 0).timestamp(), "yesterday"),
    (dt.datetime(2026, 11, 12, 9, 14).timestamp(), "12 Nov"),
    (dt.datetime(2025, 11, 12, 9, 14).timestamp(), "12 Nov 2025"),
])
def test_ago_reads_as_a_person_says_it(at, text):
    assert ago(at, NOW) == text


def test_the_list_the_detail_pane_and_the_sync_page_say_the_same_time_alike():
    two_weeks = time.time() - 15 * 86400
    said = ago(two_weeks)
    assert secondary_line(dataclasses.replace(_memory(), created_at=two_weeks), False).endswith(said)
    assert stamp(two_weeks).endswith(f"· {said}")
    assert status_line(SyncStatus(enabled=True, last_sync_at=two_weeks), time.time()) == f"Sync: {said}"
    # The helper is the one, not two copies kept alike.
    assert not hasattr(memory_list, "when") and sync_view.ago is ago


def test_a_memory_in_the_trash_says_when_it_was_deleted():
    week, minutes = time.time() - 8 * 86400, time.time() - 300
    trashed = dataclasses.replace(_memory(), created_at=week, deleted_at=minutes)
    assert secondary_line(trashed, False).endswith(f"deleted {ago(minutes)}")
    assert ago(week) not in secondary_line(trashed, False)
