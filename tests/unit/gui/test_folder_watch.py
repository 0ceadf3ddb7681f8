"""A folder sync target is polled cheaply: a file another device writes starts a sync within seconds."""

import threading
from types import SimpleNamespace

from memvault.service.sync_watch import FolderSyncWatch, folder_of
from tests.helpers import wait_for


class FakeSync:
    """The two things the watch uses of the sync service; a cycle writes a file of its own, as a push does."""

    def __init__(self, folder):
        self.folder = folder
        self.cycles = threading.Event()
        self.count = 0

    def status(self):
        return SimpleNamespace(target=f"folder {self.folder}")

    def sync_now(self):
        self.count += 1
        (self.folder / f"own-{self.count}.seg").write_bytes(b"pushed")
        self.cycles.set()


def test_folder_of_reads_only_folder_targets(tmp_path):
    assert folder_of(f"folder {tmp_path}") == tmp_path
    assert folder_of("s3 bucket/prefix via http://x") is None and folder_of(None) is None


def test_a_new_file_starts_one_cycle_and_the_cycles_own_files_do_not(tmp_path):
    sync = FakeSync(tmp_path)
    watch = FolderSyncWatch(sync)
    watch._folder = tmp_path
    (tmp_path / "a.seg").write_bytes(b"1")
    assert watch.poll() is False  # the first look only remembers
    assert watch.poll() is False
    (tmp_path / "from-phone.seg").write_bytes(b"2")
    (tmp_path / ".partial").write_bytes(b"hidden files are not news")
    assert watch.poll() is True and sync.count == 1
    assert watch.poll() is False  # its own upload was remembered after the cycle


def test_the_thread_notices_within_seconds_and_stops(tmp_path):
    sync = FakeSync(tmp_path)
    watch = FolderSyncWatch(sync, interval=0.05)
    watch.start()
    try:
        wait_for(lambda: watch._seen is not None, timeout=5)  # the folder has been looked at once
        (tmp_path / "from-laptop.seg").write_bytes(b"x")
        assert sync.cycles.wait(5)
    finally:
        watch.stop()
    assert watch._thread is None and watch.cycles >= 1
