"""An export killed mid-way leaves its hidden partial file; the next export beside it removes it (issue 38 #11)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from memvault.domain.models import MemoryCreate
from memvault.service.bundles import ExportRequest


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_exports_partial_file_is_swept_by_the_next_export(services, tmp_path):
    services.memories.create(MemoryCreate(content="exported", namespace="n"))
    out = tmp_path / "out"
    out.mkdir()
    killed = out / f".export-{dead_pid()}-k1ll3d.mvbundle"
    killed.write_bytes(b"")
    unnamed_old = out / ".export-q8z1x0.mvbundle"  # a partial file named before exports put their pid in it
    unnamed_old.write_bytes(b"")
    os.utime(unnamed_old, (time.time() - 2 * 86400,) * 2)
    running = out / f".export-{os.getpid()}-running.mvbundle"  # an export still under way: left alone
    running.write_bytes(b"MVBUNDLE")
    unrelated = out / "notes.mvbundle"
    unrelated.write_bytes(b"not ours to judge")

    report = services.bundles.export_to_file(out / "n.mvbundle", ExportRequest(("n",), passphrase="bundle passphrase"))

    assert report.memories == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([running.name, unrelated.name, "n.mvbundle"])
    # And the export's own partial file is gone once it is complete.
    assert not [p for p in out.iterdir() if p.name.startswith(".export-") and p != running]
