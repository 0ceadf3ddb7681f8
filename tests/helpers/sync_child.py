"""A sync in a child process that kills itself (SIGKILL) at a chosen moment, for tests of crash safety.

    python -m tests.helpers.sync_child HOME PASSPHRASE MOMENT AT [SEGMENT_OPS]

opens the vault at HOME (test settings, the fake embedder) and runs one
``sync now``. MOMENT says where the process dies, the AT-th time it gets there:

- ``segment-written``: a segment of ops is on the target, the outbox and segment counter not yet updated;
- ``half-written``: half of a file is in the target's temporary file (the write never finishes);
- ``applying``: another device's segment was written into the vault, inside the transaction, not committed;
- ``applied``: a segment was applied and committed, before the next one is read;
- ``snapshot-written``: a snapshot is on the target, not yet recorded in the vault;
- ``never``: the sync runs to its end (for kills from outside, at a random time).

No hook in the application: the child wraps the functions at those moments.
SEGMENT_OPS makes segments small, so that one sync writes or reads several.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from memvault.service.container import open_vault
from memvault.sync import engine, replica, snapshots
from memvault.sync.targets.folder import FolderTarget
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(moment: str, at: int) -> None:
    count = [0]

    def reached() -> None:
        count[0] += 1
        if count[0] == at:
            _die()

    if moment == "segment-written":
        put_new = FolderTarget.put_new

        def put_new_then_die(self, name, data):
            written = put_new(self, name, data)
            if "/ops/" in name:
                reached()
            return written

        FolderTarget.put_new = put_new_then_die
    elif moment == "half-written":
        temp = FolderTarget._temp

        def temp_half(self, path, data):
            count[0] += 1
            if count[0] == at:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path.parent / f".{path.name}.half.tmp", "wb") as fh:
                    fh.write(data[: len(data) // 2])
                    fh.flush()
                _die()
            return temp(self, path, data)

        FolderTarget._temp = temp_half
    elif moment == "applying":
        skip_applied = replica.skip_applied

        def skip_applied_then_die(conn):
            skip_applied(conn)
            reached()

        replica.skip_applied = skip_applied_then_die
    elif moment == "applied":
        apply_ops = engine.SyncEngine.apply_ops

        def apply_ops_then_die(self, *args, **kwargs):
            apply_ops(self, *args, **kwargs)
            reached()

        engine.SyncEngine.apply_ops = apply_ops_then_die
    elif moment == "snapshot-written":
        put_new = FolderTarget.put_new

        def put_snapshot_then_die(self, name, data):
            written = put_new(self, name, data)
            if "/snapshots/" in name:
                reached()
            return written

        FolderTarget.put_new = put_snapshot_then_die
    elif moment != "never":
        raise SystemExit(f"unknown moment {moment}")


def main(argv: list[str]) -> int:
    home, passphrase, moment, at = argv[:4]
    if len(argv) > 4:
        engine.SEGMENT_OPS = int(argv[4])
        snapshots.SNAPSHOT_SEGMENTS = 2
    _arm(moment, int(at))
    services = open_vault(fast_settings(Path(home), worker=False), passphrase, FakeEmbedder(), background=False)
    try:
        services.sync.sync_now()
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
