"""Each target kind against a real server on loopback (moto's S3, wsgidav's WebDAV) or a real folder:
create-only writes never overwrite, conflict copies and partial files are ignored, and three vaults with
different passphrases converge through it at the service level."""

from __future__ import annotations

import pytest

from memvault.domain.errors import DamagedData, NotFound, SyncTargetError
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.sync.targets.base import SizedByHead
from memvault.sync.targets.factory import TargetConfig, open_new_target, open_target
from tests.helpers.sync_servers import (
    S3_CREDENTIALS,
    make_bucket,
    s3_server,
    silent_server,
    webdav_server,
)
from tests.integration.sync.conftest import SYNC_PASSPHRASE

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


@pytest.fixture(scope="module")
def s3_endpoint():
    pytest.importorskip("boto3")
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def webdav_root(tmp_path_factory):
    with webdav_server(tmp_path_factory.mktemp("dav")) as url:
        yield url


@pytest.fixture(params=["folder", "s3", "webdav"])
def config(request, tmp_path):
    if request.param == "folder":
        return TargetConfig("folder", str(tmp_path / "target"))
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"bucket-{tmp_path.name.lower().replace('_', '-')[-40:]}"
        make_bucket(endpoint, bucket)
        return TargetConfig("s3", f"s3://{bucket}/memvault", endpoint, dict(S3_CREDENTIALS))
    url = request.getfixturevalue("webdav_root")
    target = open_target(TargetConfig("webdav", url))
    folder = tmp_path.name[-40:]
    target._client.mkdir(folder)
    return TargetConfig("webdav", f"{url}/{folder}")


def test_create_only_writes_never_overwrite(config):
    target = open_new_target(config)
    assert target.put_new("g/ops/d/0000000001", b"first") is True
    assert target.put_new("g/ops/d/0000000001", b"second") is False
    assert target.get("g/ops/d/0000000001") == b"first"
    target.put("g/devices/d", b"one")
    target.put("g/devices/d", b"two")
    assert target.get("g/devices/d") == b"two"
    assert target.list("g/") == ["g/devices/d", "g/ops/d/0000000001"]
    target.delete("g/devices/d")
    target.delete("g/devices/d")
    with pytest.raises(NotFound):
        target.get("g/devices/d")


def test_a_read_stops_at_its_limit(config):
    """The storage may plant a file of any size where sync reads: past its limit a read is refused, not taken
    whole into memory."""
    target = open_new_target(config)
    target.put("g/key", b"x" * 100_000)
    assert target.get("g/key", 100_000) == b"x" * 100_000
    with pytest.raises(DamagedData, match="holds more than 99,999 bytes"):
        target.get("g/key", 99_999)
    with pytest.raises(NotFound):
        target.get("g/nothing", 10)


def test_a_read_sized_by_its_head_stops_at_the_size_the_head_states(config):
    """A snapshot has no size cap; its header states its size, trusted once the head checks out: a file longer
    than that is refused, a head that does not check out refuses the file with its own reason, and a file shorter
    than a head is returned whole (for the reader to judge)."""
    target = open_new_target(config)
    seen: list[bytes] = []

    def stated(first: bytes) -> int:
        seen.append(first)
        if not first.startswith(b"size="):
            raise DamagedData("its head does not check out")
        return int(first[5:11])

    body = b"size=300000" + b"x" * (300_000 - 11)
    target.put("g/snapshots/d/0000000001", body)
    assert target.get("g/snapshots/d/0000000001", SizedByHead(1000, stated)) == body
    assert seen == [body[:1000]]  # asked once, of exactly the head
    target.put("g/snapshots/d/0000000002", b"size=299999" + b"x" * (300_000 - 11))
    with pytest.raises(DamagedData, match="holds more than the 299,999 bytes its header states"):
        target.get("g/snapshots/d/0000000002", SizedByHead(1000, stated))
    target.put("g/snapshots/d/0000000003", b"planted" * 50_000)
    with pytest.raises(DamagedData, match="its head does not check out"):
        target.get("g/snapshots/d/0000000003", SizedByHead(1000, stated))
    target.put("g/snapshots/d/0000000004", b"short")
    assert target.get("g/snapshots/d/0000000004", SizedByHead(1000, stated)) == b"short"
    assert len(seen) == 3


def _dump(services) -> dict:
    return {m.id: (m.namespace, m.content, sorted(m.tags), m.importance, m.deleted_at)
            for m in services.memories.list(ALL, limit=1000).items}


@pytest.mark.slow  # three vaults through each real target (S3 ~5 s)
def test_three_vaults_converge_through_the_target(make_vault, config):
    a, b, c = make_vault("a"), make_vault("b"), make_vault("c")
    first = a.memories.create(MemoryCreate(namespace="n", content="from a", tags=["x"])).memory
    for s in (a, b, c):
        s.sync.setup(config, SYNC_PASSPHRASE)
    b.memories.create(MemoryCreate(namespace="n", content="from b"))
    c.memories.update(first.id, MemoryUpdate(importance=0.8, tags=["x", "y"]))
    a.lifecycle.delete(first.id)
    for s in (a, b, c, a, b):
        s.sync.sync_now()
    assert _dump(a) == _dump(b) == _dump(c)
    assert len(_dump(a)) == 2 and b.memories.get(first.id).deleted_at is not None


def test_conflict_copies_and_partial_files_are_ignored(make_vault, tmp_path):
    config = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.memories.create(MemoryCreate(namespace="n", content="kept"))
    a.sync.setup(config, SYNC_PASSPHRASE)
    segment = next((tmp_path / "target").glob("*/ops/*/0000000001"))
    (segment.parent / "0000000001.sync-conflict-20260101-120000-ABCDEFG").write_bytes(b"junk")
    (segment.parent / "0000000002 (conflicted copy)").write_bytes(b"junk")
    (segment.parent / ".syncthing.0000000003.tmp").write_bytes(segment.read_bytes()[:40])
    b.sync.setup(config, SYNC_PASSPHRASE)
    result = b.sync.sync_now()
    assert result.problems == () and [m.content for m in b.memories.list(ALL).items] == ["kept"]


def test_a_folder_without_hard_links_still_never_overwrites(tmp_path, monkeypatch):
    import errno
    import os

    def no_links(*_args):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = open_new_target(TargetConfig("folder", str(tmp_path / "fat")))
    assert target.put_new("g/ops/d/0000000001", b"first") is True
    assert target.put_new("g/ops/d/0000000001", b"second") is False
    assert target.get("g/ops/d/0000000001") == b"first"
    assert target.list("g/") == ["g/ops/d/0000000001"]


@pytest.mark.parametrize("kind", ["s3", "webdav"])
def test_a_server_that_does_not_answer_is_said_to_be_unreachable_not_refusing(kind):
    """Nothing listens on the port: the message says the server cannot be reached (it said "refused")."""
    import socket

    from memvault.domain.errors import SyncTargetError

    if kind == "s3":
        pytest.importorskip("boto3")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    config = TargetConfig("s3", "s3://bucket/memvault", url, dict(S3_CREDENTIALS)) if kind == "s3" \
        else TargetConfig("webdav", f"{url}/dav")
    with pytest.raises(SyncTargetError) as failed:
        open_target(config).list("")
    assert "cannot reach" in failed.value.message and "refused" not in failed.value.message


@pytest.mark.parametrize("kind", ["s3", "webdav"])
def test_a_server_that_takes_the_connection_and_never_answers_is_said_to_be_silent(kind, monkeypatch):
    """The server hangs (its process stopped): the message said it "refused to read …: ReadTimeout" (S3 failed
    with an AttributeError instead); it says the server did not answer within the timeout, and what to check."""
    from memvault.sync.targets import base, s3

    if kind == "s3":
        pytest.importorskip("boto3")
    monkeypatch.setattr(base, "ANSWER_SECONDS", 0.5)  # 30 s in use; the wording is the same
    monkeypatch.setattr(s3, "RETRIES", 1)
    with silent_server() as (url, calls):
        config = TargetConfig("s3", "s3://bucket/memvault", url, dict(S3_CREDENTIALS)) if kind == "s3" \
            else TargetConfig("webdav", f"{url}/dav")
        with pytest.raises(SyncTargetError) as failed:
            open_target(config).get("group/key", 1024)
        tries = calls()
    message = failed.value.message
    assert "did not answer within 0.5 seconds when asked to read group/key" in message, message
    assert "check that the server is running" in message
    assert "refused" not in message and "Timeout" not in message
    assert (", asked 2 times" in message) == (kind == "s3") and tries == (2 if kind == "s3" else 1)


def test_a_webdav_target_makes_its_last_folder_and_says_what_the_server_refused(tmp_path):
    root = tmp_path / "dav"
    root.mkdir()
    with webdav_server(root, users={"alice": "right horse"}) as url:
        alice = {"user": "alice", "password": "right horse"}
        made = open_new_target(TargetConfig("webdav", f"{url}/memvault", credentials=alice))
        assert (root / "memvault").is_dir() and made.list("") == []
        with pytest.raises(SyncTargetError, match="a folder of the address is not there"):
            open_new_target(TargetConfig("webdav", f"{url}/no/such/memvault", credentials=alice))
        with pytest.raises(SyncTargetError, match="MEMVAULT_WEBDAV_USER"):
            open_target(TargetConfig("webdav", f"{url}/memvault")).list("")
        wrong = TargetConfig("webdav", f"{url}/memvault", credentials={"user": "alice", "password": "wrong"})
        with pytest.raises(SyncTargetError, match="did not accept the user name and password"):
            open_target(wrong).list("")
