"""``memvault sync …``: set up, run and inspect sync with the user's other devices.

The sync passphrase is not the vault's: it comes from ``--sync-passphrase-file``,
else ``MEMVAULT_SYNC_PASSPHRASE``, else a prompt (a new one for ``sync passwd``:
``--new-sync-passphrase-file``, ``MEMVAULT_NEW_SYNC_PASSPHRASE``, a prompt twice). S3 credentials come from the
usual AWS environment variables, WebDAV's from ``MEMVAULT_WEBDAV_USER`` and
``MEMVAULT_WEBDAV_PASSWORD`` (else a prompt); either way they are then kept
inside the encrypted vault, never in a plaintext file.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from memvault.cli.common import opened, out, read_secret, reported_in_result
from memvault.cli.parser import Command, add_common
from memvault.domain.errors import InvalidInput, NotFound, SyncNotSetUp

SYNC_PASSPHRASE_ENV = "MEMVAULT_SYNC_PASSPHRASE"
NEW_SYNC_PASSPHRASE_ENV = "MEMVAULT_NEW_SYNC_PASSPHRASE"
_AWS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION")


def read_sync_passphrase(args: argparse.Namespace, *, confirm: bool = False) -> str:
    secret = read_secret(getattr(args, "sync_passphrase_file", None), SYNC_PASSPHRASE_ENV, kind="sync ",
                         flag="--sync-passphrase-file", confirm=confirm)
    assert secret is not None
    return secret


def _target(args: argparse.Namespace):
    from memvault.sync.targets.factory import TargetConfig

    if args.folder:
        return TargetConfig("folder", str(Path(args.folder).expanduser().resolve()))
    if args.s3:
        if not args.s3.startswith("s3://") or len(args.s3) <= 5:
            raise InvalidInput("--s3 takes s3://bucket or s3://bucket/prefix", field="s3")
        credentials = {k: os.environ[k] for k in _AWS if os.environ.get(k)}
        if os.environ.get("AWS_PROFILE"):
            credentials["AWS_PROFILE"] = os.environ["AWS_PROFILE"]
        return TargetConfig("s3", args.s3, args.endpoint, credentials)
    user = os.environ.get("MEMVAULT_WEBDAV_USER")
    password = os.environ.get("MEMVAULT_WEBDAV_PASSWORD")
    if user is None and sys.stdin.isatty():
        user = input("WebDAV user (empty for none): ") or None
    if user is not None and password is None and sys.stdin.isatty():
        password = getpass.getpass("WebDAV password: ")
    credentials = {"user": user, "password": password or ""} if user else {}
    return TargetConfig("webdav", args.webdav, None, credentials)


def cmd_setup(args: argparse.Namespace) -> int:
    config = _target(args)
    passphrase = read_sync_passphrase(args, confirm=False)
    with reported_in_result("memvault.sync"), opened(args) as svc:
        status = svc.sync.setup(config, passphrase, device_name=args.name, namespaces=args.namespace)
    how = ("started a new sync group there (it held none): set up your other devices with the same target and sync "
           "passphrase" if status.group_started else f"joined its sync group, {status.devices_seen} device(s) so far")
    out(args, _status_doc(status), f"Sync is on: {status.target}; {how}; syncing {_scope_text(status.namespaces)}"
        f"{_shared_text(status.shared_with_people)}")
    return 0


def _scope_text(namespaces) -> str:
    return "all namespaces" if namespaces is None else "namespaces " + ", ".join(namespaces)


def _shared_text(shared) -> str:
    return (f" (not {', '.join(shared)}: shared with people, each of your devices joins it with `memvault share join`)"
            if shared else "")


def cmd_scope(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        if args.all:
            namespaces = svc.sync.set_scope(None).namespaces
        elif args.namespace:
            namespaces = svc.sync.set_scope(args.namespace).namespaces
            held = {n.name for n in svc.stats.namespaces()}
            # Allowed (another device's namespace arrives once in the scope), but a typo would stop every sync.
            for name in sorted(set(namespaces or ()) - held):
                print(f"memvault: this vault holds no memories in namespace {name} yet: it syncs what another "
                      f"device stores there, or what is stored there here later", file=sys.stderr)
        else:
            if not svc.sync.enabled():
                raise SyncNotSetUp("sync is not set up for this vault: run `memvault sync setup`")
            namespaces = svc.sync.scope()
    out(args, {"namespaces": list(namespaces) if namespaces is not None else None},
        f"Syncing {_scope_text(namespaces)}")
    return 0


#: ``sync now``'s exit status when it finished with changes still waiting.
WAITING_EXIT = 3


def cmd_now(args: argparse.Namespace) -> int:
    with reported_in_result("memvault.sync"), opened(args) as svc:
        result = svc.sync.sync_now(allow_mass_delete=args.allow_mass_delete)
        # What arrived without vectors from this model is embedded before the command returns.
        while svc.worker.run_once():
            pass
    from memvault.cli import format as fmt
    text = (f"Synced: {result.pushed_ops} change(s) sent, {result.applied_segments} segment(s) applied, "
            f"{result.changes} memory(ies) changed here, {result.conflicts} conflict(s)")
    for line in (*result.problems, *result.waiting, *result.repaired):
        text += f"\n  {line}"
    out(args, fmt.plain(result), text)
    if result.problems and getattr(args, "json", False):
        # The JSON on stdout lists them; a script that only watches stderr and the exit code learns it too.
        print(f"memvault: sync finished with {len(result.problems)} problem(s): {result.problems[0]}",
              file=sys.stderr)
    # 3: the cycle finished but a device's changes wait (a file missing or still being written): nothing is
    # lost, and a script learns it from the exit status as a person does from the lines above. What the cycle
    # repaired is said and leaves nothing to do: 0.
    return 1 if result.problems else WAITING_EXIT if result.waiting else 0


def _status_doc(status) -> dict:
    from memvault.cli import format as fmt
    return fmt.plain(status)


def cmd_status(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        status = svc.sync.status()
    if not status.enabled:
        out(args, _status_doc(status), "Sync is off (memvault sync setup --folder PATH | --s3 URL | --webdav URL)")
        return 0
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.last_sync_at)) if status.last_sync_at else "never"
    lines = [f"Target: {status.target}", f"Namespaces: {', '.join(status.namespaces or ('all',))}",
             f"Last sync: {when}", f"Pending changes: {status.pending_ops}",
             f"Devices seen: {status.devices_seen}", f"Conflicts: {status.conflicts}"]
    if status.shared_with_people:
        lines.insert(2, f"Not device-synced (shared with people; each device joins as a member): "
                        f"{', '.join(status.shared_with_people)}")
    if status.last_error:
        lines.append(f"Last error: {status.last_error}")
    lines += [f"Problem: {p}" for p in status.problems]
    lines += [f"Waiting: {w}" for w in status.waiting]
    lines += [f"Repaired: {r}" for r in status.repaired]
    lines += [f"Clock: {note}" for note in status.clock_notes]
    out(args, _status_doc(status), "\n".join(lines))
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from memvault.cli import format as fmt
    with opened(args) as svc:
        devices = svc.sync.devices()
    lines = []
    for d in devices:
        seen = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.last_seen)) if d.last_seen else "-"
        mark = " (this device)" if d.this_device else " (removed)" if d.removed else \
            " (not in the key file this device accepted: nothing under this id is applied)" if d.unknown else ""
        skew = f", clock {d.clock_ahead_ms / 1000:.0f} s ahead" if d.clock_ahead_ms else ""
        lines.append(f"{d.device_id}  {d.name or '-'}  last seen {seen}, {d.segments} segment(s){skew}{mark}")
    out(args, fmt.plain(devices), "\n".join(lines))
    return 0


def cmd_remove_device(args: argparse.Namespace) -> int:
    passphrase = read_sync_passphrase(args)
    new = None
    if args.new_sync_passphrase_file or os.environ.get(NEW_SYNC_PASSPHRASE_ENV):
        new = read_secret(args.new_sync_passphrase_file, NEW_SYNC_PASSPHRASE_ENV, kind="new sync ",
                          flag="--new-sync-passphrase-file", confirm=True, prompt="New sync passphrase: ")
    with opened(args) as svc:
        svc.sync.remove_device(args.device, passphrase, new)
    hint = "" if new else "; set a new sync passphrase (`memvault sync passwd`): the removed device knows this one"
    out(args, {"removed": args.device, "new_passphrase": new is not None},
        f"Removed device {args.device}; a new sync key went to the remaining devices{hint}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    old = read_secret(args.sync_passphrase_file, SYNC_PASSPHRASE_ENV, kind="sync ", flag="--sync-passphrase-file",
                      prompt="Current sync passphrase: ")
    new = read_secret(args.new_sync_passphrase_file, NEW_SYNC_PASSPHRASE_ENV, kind="new sync ",
                      flag="--new-sync-passphrase-file", confirm=True, prompt="New sync passphrase: ")
    assert old is not None and new is not None
    with opened(args) as svc:
        svc.sync.change_passphrase(old, new)
    out(args, {"changed": True}, "The sync passphrase was changed; devices that already sync go on, "
        "a new device joins with the new one")
    return 0


def _kept_version(value: str) -> tuple[str, int]:
    memory_id, at, version = value.partition("@")
    if not memory_id or not at or not version.isdigit() or int(version) < 1:
        raise InvalidInput(f"--keep takes ID@VERSION as `memvault sync conflicts` lists it (got {value!r})")
    return memory_id, int(version)


def cmd_conflicts(args: argparse.Namespace) -> int:
    from memvault.cli import format as fmt
    kept = _kept_version(args.keep) if args.keep is not None else None
    done = []
    with opened(args) as svc:
        if kept is not None:
            kind = svc.sync.keep_conflict_version(*kept, svc.memories.restore_version)
            done.append(f"{kept[0]} is back from the trash, with the edit" if kind == "deleted"
                        else f"Version {kept[1]} of {kept[0]} is current again")
        if args.dismiss:
            if not svc.sync.dismiss_conflict(args.dismiss):  # it said "the current content stays" of any memory
                raise NotFound(f"no conflict is listed for {args.dismiss} (`memvault sync conflicts` lists them)")
            done.append(f"{args.dismiss}: the current content stays")
        conflicts = svc.sync.conflicts()
    # "lost": the version the merge put aside (kept in the history); "now": what the memory holds.
    lines = done + [f"{c.memory_id}@{c.version} [{c.namespace}] deleted on device {c.deleted_on[:8]} while edited "
                    f"on device {c.edited_on[:8]}: in the trash with the edit {c.kept_content[:60]!r} (--keep "
                    f"{c.memory_id}@{c.version} restores it, --dismiss {c.memory_id} leaves it in the trash)"
                    if c.kind == "deleted" and c.deleted_on and c.edited_on else
                    f"{c.memory_id}@{c.version} [{c.namespace}] lost: {c.kept_content[:60]!r} / now: "
                    f"{c.current_content[:60]!r}" for c in conflicts]
    out(args, fmt.plain(conflicts), "\n".join(lines) if conflicts else "\n".join(done + ["No conflicts"]))
    return 0


def cmd_off(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        svc.sync.off()
    out(args, {"enabled": False}, "Sync is off; the target was left as it is")
    return 0


def register(command: Command) -> None:
    """Add ``memvault sync`` and its subcommands to the parser."""
    from memvault.cli.parser import subparser

    group = command("sync", "sync with your other devices through a folder, S3 or WebDAV (end-to-end encrypted)",
                    lambda args: (group.print_help(), 0)[1])
    sub = group.add_subparsers(title="sync commands", metavar="SYNC_COMMAND")

    def sync_command(name: str, help_text: str, func, *, secret: bool = False) -> argparse.ArgumentParser:
        p = subparser(sub, name, help_text)
        add_common(p, passphrase=True, json=True)
        p.set_defaults(func=func)
        if secret:
            p.add_argument("--sync-passphrase-file", metavar="FILE",
                           help=f"read the sync passphrase from FILE (else {SYNC_PASSPHRASE_ENV}, else a prompt)")
        return p

    p = sync_command("setup", "set up sync with a target (creates the sync group there, or joins it)", cmd_setup,
                     secret=True)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--folder", metavar="PATH", help="a folder another tool keeps in sync (Syncthing, Dropbox, a NAS)")
    where.add_argument("--s3", metavar="s3://BUCKET/PREFIX", help="S3-compatible storage (needs memvault[s3])")
    where.add_argument("--webdav", metavar="URL", help="a WebDAV folder (Nextcloud, ownCloud, a NAS)")
    p.add_argument("--endpoint", metavar="URL", help="with --s3: the storage's endpoint (MinIO, B2, R2)")
    p.add_argument("--name", help="a name for this device in `sync devices`")
    p.add_argument("--namespace", action="append", metavar="NS",
                   help="sync only this namespace (repeat for more; default: all namespaces)")
    p = sync_command("scope", "show or change which namespaces sync", cmd_scope)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="sync every namespace")
    which.add_argument("--namespace", action="append", metavar="NS",
                       help="sync only this namespace (repeat for more); what was skipped arrives when it is added")
    p = sync_command("now", "sync once now (exit status 3: finished, but a device's changes still wait)", cmd_now)
    p.add_argument("--allow-mass-delete", action="store_true",
                   help="apply incoming changes even when they remove more than 50 memories and 20%% of a namespace")
    sync_command("status", "show the sync status", cmd_status)
    sync_command("devices", "list the devices that sync through the target", cmd_devices)
    p = sync_command("remove-device", "stop syncing with a device (rotates the sync key)", cmd_remove_device,
                     secret=True)
    p.add_argument("device", help="the device id (from `sync devices`)")
    p.add_argument("--new-sync-passphrase-file", metavar="FILE",
                   help=f"also set a new sync passphrase, read from FILE (or {NEW_SYNC_PASSPHRASE_ENV})")
    p = sync_command("passwd", "change the sync passphrase (a new sync key for every device; others go on)",
                     cmd_passwd, secret=True)
    p.add_argument("--new-sync-passphrase-file", metavar="FILE",
                   help=f"read the new sync passphrase from FILE (else {NEW_SYNC_PASSPHRASE_ENV}, else a prompt)")
    p = sync_command("conflicts", "list versions that lost a concurrent edit, and memories deleted on one device "
                     "while edited on another", cmd_conflicts)
    p.add_argument("--keep", metavar="ID@VERSION",
                   help="make that kept version current again (a memory deleted while edited: restore it)")
    p.add_argument("--dismiss", metavar="ID",
                   help="keep the current content (a memory deleted while edited: leave it in the trash) and stop "
                        "listing the memory")
    sync_command("off", "turn sync off for this vault (the target is left as it is)", cmd_off)
