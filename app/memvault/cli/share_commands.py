"""``memvault share …``: share a namespace with other people, end to end encrypted.

    memvault share key [--export FILE | --import FILE]   this vault's person key (mvperson1…), or its key file
    memvault share NAMESPACE --with KEY --role ROLE [--target WHERE]   share (the first time: on WHERE), add someone
    memvault share join INVITE --target WHERE             join a namespace someone shared with this person
    memvault share remove NAMESPACE PERSON                remove a member (a new key for those who remain)
    memvault share list | status | now

``WHERE`` is a folder path, ``s3://bucket/prefix`` (with ``--endpoint`` for MinIO, R2 …) or a WebDAV
``http(s)://`` URL. A key file's passphrase comes from ``--key-passphrase-file``, else
``MEMVAULT_SHARE_KEY_PASSPHRASE``, else a prompt. ``memvault serve`` on a server reads
``MEMVAULT_SHARE_KEY_FILE`` (+ that passphrase) and joins ``MEMVAULT_SHARE_INVITE`` on ``MEMVAULT_SHARE_TARGET``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from memvault.cli.common import opened, out, read_secret, reported_in_result
from memvault.cli.parser import Command
from memvault.domain.errors import InvalidInput, JoinWouldShare

KEY_PASSPHRASE_ENV = "MEMVAULT_SHARE_KEY_PASSPHRASE"
KEY_FILE_ENV = "MEMVAULT_SHARE_KEY_FILE"
INVITE_ENV = "MEMVAULT_SHARE_INVITE"
TARGET_ENV = "MEMVAULT_SHARE_TARGET"
_WORDS = ("key", "join", "remove", "list", "status", "now")
_AWS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE")


def target_of(where: str, endpoint: str | None, environ: Mapping[str, str] = os.environ):
    from memvault.service.share_info import target_from_text

    if where.startswith("s3://"):
        return target_from_text(where, endpoint, {k: environ[k] for k in _AWS if environ.get(k)})
    user = environ.get("MEMVAULT_WEBDAV_USER")
    creds = {"user": user, "password": environ.get("MEMVAULT_WEBDAV_PASSWORD", "")} if user else {}
    return target_from_text(where, endpoint, creds if where.startswith(("http://", "https://")) else None)


def _key_passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    secret = read_secret(args.key_passphrase_file, KEY_PASSPHRASE_ENV, kind="key file ",
                         flag="--key-passphrase-file", confirm=confirm)
    assert secret is not None
    return secret


def _info_text(info: Any) -> str:
    you = info.role or ("removed by an admin" if info.this_person_removed else "not a member")
    lines = [f"{info.namespace}  (you: {you})  on {info.target}", f"  invite: {info.invite}"]
    for m in info.members:
        label = f" {m.name}" if m.name else ""
        lines.append(f"  {m.person[:8]}{label:12} {m.role:6}{'  (you)' if m.this_person else ''}")
    lines += [f"  removed: {p[:8]}" for p in info.removed]
    return "\n".join(lines)


def cmd_share(args: argparse.Namespace) -> int:
    words = args.words
    action = words[0] if words[0] in _WORDS else "share"
    if action in ("join", "remove") and len(words) != (2 if action == "join" else 3):
        raise InvalidInput("usage: memvault share join INVITE --target WHERE | share remove NAMESPACE PERSON")
    if action not in ("join", "remove", "share") and len(words) != 1:
        raise InvalidInput(f"`memvault share {action}` takes no more words")
    if action == "share" and len(words) != 1:
        raise InvalidInput("usage: memvault share NAMESPACE --with KEY --role read|write|admin [--target WHERE]")
    if action == "share" and not (args.with_key or args.target):
        import difflib

        # `share lst` is a typo far more often than a namespace named "lst" shared with nobody.
        close = difflib.get_close_matches(words[0], _WORDS, n=1, cutoff=0.6)
        if close:
            raise InvalidInput(f"no share command {words[0]!r}: did you mean `memvault share {close[0]}`? (to share "
                               f"a namespace named {words[0]!r}, give --with KEY and --target WHERE)")
    target = target_of(args.target, args.endpoint) if args.target else None
    if action == "join" and target is None:
        raise InvalidInput("joining needs the --target the namespace is shared on", field="target")
    with reported_in_result("memvault.sharing", "memvault.sync"), opened(args) as svc:
        sharing = svc.sharing
        device_sync = action in ("join", "share") and svc.sync.enabled()
        if action == "key":
            if args.export:
                Path(args.export).write_bytes(sharing.export_key_file(_key_passphrase(args, confirm=True)))
                out(args, {"exported": args.export}, f"Wrote this person's private keys to {args.export} (sealed "
                    "under the key file passphrase); keep it as secret as the passphrase")
                return 0
            if args.import_file:
                key = sharing.import_key_file(Path(args.import_file).read_bytes(), _key_passphrase(args, confirm=False))
            else:
                key = sharing.my_key()
            out(args, {"key": key}, key)
            return 0
        if action == "join":
            try:
                info = sharing.join(words[1], target, share_existing=args.share_existing)
            except JoinWouldShare as exc:
                raise JoinWouldShare(f"{exc.message} (--share-existing)") from None
        elif action == "remove":
            info = sharing.remove(words[1], words[2])
        elif action == "share":
            info = sharing.share(words[0], with_key=args.with_key, role=args.role, target=target, name=args.name)
        elif action == "now":
            result = sharing.sync_now(allow_mass_delete=args.allow_mass_delete)
            out(args, result, f"Sent {result.pushed_ops} change(s), applied {result.applied_segments} segment(s)"
                + "".join(f"\n  refused: {r}" for r in result.refused)
                + "".join(f"\n  problem: {p}" for p in result.problems))
            if result.problems and getattr(args, "json", False):
                print(f"memvault: sharing finished with {len(result.problems)} problem(s): {result.problems[0]}",
                      file=sys.stderr)
            return 1 if result.problems else 0  # as `sync now`: a script learns of them from the exit code
        else:
            infos = sharing.list()
            if action == "status":
                text = "\n".join(f"{i.namespace}: last sync {_when(i.last_sync_at)}"
                                 + "".join(f"\n  refused: {r}" for r in i.refused)
                                 + "".join(f"\n  problem: {p}" for p in i.problems) for i in infos)
            else:
                text = "\n".join(_info_text(i) for i in infos)
            out(args, infos, text or "No shared namespaces")
            return 0
    # A shared namespace is out of device sync's scope from now on (memvault/sharing/FORMAT.md).
    out(args, info, _info_text(info) + (f"\nDevice sync leaves {info.namespace} out from now on: join it on each of "
                                        "your devices (`memvault share key --export`, then `share join` there)"
                                        if device_sync else ""))
    return 0


def _when(at: float | None) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S") if at else "never"


def apply_headless(sharing: Any, environ: Mapping[str, str] = os.environ) -> str | None:
    """For ``memvault serve`` on a server: take the person key from ``MEMVAULT_SHARE_KEY_FILE`` and join
    ``MEMVAULT_SHARE_INVITE`` on ``MEMVAULT_SHARE_TARGET`` (once); returns the joined namespace, if any."""
    key_file = environ.get(KEY_FILE_ENV)
    if not key_file:
        return None
    passphrase = environ.get(KEY_PASSPHRASE_ENV)
    if not passphrase:
        raise InvalidInput(f"{KEY_FILE_ENV} is set but {KEY_PASSPHRASE_ENV} is not")
    try:
        data = Path(key_file).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the person key file {key_file}: {exc.strerror}") from None
    sharing.import_key_file(data, passphrase)
    invite, where = environ.get(INVITE_ENV), environ.get(TARGET_ENV)
    if not invite or not where:
        return None
    from memvault.service.sharing import parse_invite

    share, _ = parse_invite(invite)
    for info in sharing.list():
        if info.share_id == share:
            return info.namespace
    return sharing.join(invite, target_of(where, environ.get("MEMVAULT_SHARE_ENDPOINT"), environ)).namespace


def register(command: Command) -> None:
    p = command("share", "share a namespace with other people (end-to-end encrypted): share key | NAMESPACE "
                "--with KEY --role ROLE | join INVITE | remove NAMESPACE PERSON | list | status | now", cmd_share,
                passphrase=True, json=True)
    p.add_argument("words", nargs="+", metavar="WORD", help="key, join INVITE, remove NAMESPACE PERSON, list, status, "
                   "now, or the NAMESPACE to share")
    p.add_argument("--with", dest="with_key", metavar="KEY", help="the person key (mvperson1…) to share with")
    p.add_argument("--role", choices=("read", "write", "admin"), default="read", help="what that person may do")
    p.add_argument("--name", help="a label for that person in `share list`")
    p.add_argument("--share-existing", action="store_true",
                   help="with `join`: share what a namespace of that name already holds here with the members")
    p.add_argument("--target", metavar="WHERE", help="a folder, s3://bucket/prefix or a WebDAV URL")
    p.add_argument("--endpoint", metavar="URL", help="with an s3:// target: the storage's endpoint (MinIO, R2)")
    p.add_argument("--export", metavar="FILE", help="with `key`: write this person's key file (for a server)")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="with `key`: use the person key in FILE")
    p.add_argument("--allow-mass-delete", action="store_true",
                   help="with `now`: apply a member's changes even when they remove more than 50 memories and 20%% "
                        "of the shared namespace")
    p.add_argument("--key-passphrase-file", metavar="FILE",
                   help=f"the key file's passphrase from FILE (else {KEY_PASSPHRASE_ENV}, else a prompt)")
