"""Commands that move memories between vaults and keep copies: export, import, inspect, backup, restore-backup.

A bundle's passphrase is not the vault's: it comes from ``--bundle-passphrase-file``,
else ``MEMVAULT_BUNDLE_PASSPHRASE``, else a prompt (twice on export), while
``--passphrase-file`` and ``MEMVAULT_PASSPHRASE`` keep meaning the vault's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from memvault.cli import format as fmt
from memvault.domain.words import plural
from memvault.cli import readable_commands
from memvault.cli.common import opened, out, read_secret, settings_for
from memvault.cli.parser import Command
from memvault.cli.progress import ProgressDisplay, progress_for
from memvault.domain.errors import InvalidInput, NotABundle
from memvault.domain.transfer import ConflictPolicy

BUNDLE_PASSPHRASE_ENV = "MEMVAULT_BUNDLE_PASSPHRASE"


def read_bundle_passphrase(args: argparse.Namespace, *, confirm: bool, prompt: bool = True) -> str | None:
    """From ``--bundle-passphrase-file``, then the environment, then (if ``prompt``) the terminal."""
    return read_secret(args.bundle_passphrase_file, BUNDLE_PASSPHRASE_ENV, kind="bundle ",
                       flag="--bundle-passphrase-file", confirm=confirm, ask=prompt)


def _counter(display: ProgressDisplay) -> Callable[[str, int, int], None]:
    """The services' ``progress(stage, done, total)`` drawn as one counter per stage (bytes when verifying)."""
    return lambda stage, done, total: display.count(done, total, stage)


def cmd_export(args: argparse.Namespace) -> int:
    from memvault.service.bundles import ExportRequest

    if args.output == "-":
        raise InvalidInput("an export is written to a file or folder, not to standard output: give -o a name",
                           field="output")
    output = Path(args.output)
    if not output.absolute().parent.is_dir():  # said before any passphrase is asked for
        raise InvalidInput(f"cannot write {output}: its folder does not exist", field="output")
    if args.format != readable_commands.BUNDLE:
        return readable_commands.cmd_export_readable(args)
    # With recipient keys a passphrase is added only when one is given (file or environment).
    passphrase = read_bundle_passphrase(args, confirm=True, prompt=not args.recipient)
    request = ExportRequest(tuple(args.namespaces), passphrase=passphrase, recipients=tuple(args.recipient or ()),
                            include_history=not args.no_history, include_deleted=args.include_deleted)
    with opened(args) as svc, progress_for(args) as display:
        report = svc.bundles.export_to_file(Path(args.output), request, progress=_counter(display))
    out(args, {**fmt.plain(report), "file": str(args.output)},
        f"Exported {plural(report.memories, 'memory')} ({plural(report.history, 'history version')}, "
        f"{report.with_vectors:,} with vectors) from {', '.join(report.namespaces)} to {args.output} ({report.bytes / 1e6:.1f} MB, "
        f"{report.seconds:.1f} s)")
    return 0


def _bundle_passphrase_for(args: argparse.Namespace, svc, path: Path) -> str | None:
    from memvault.service.bundles import Opening

    # Only a bundle with a passphrase slot that this vault's key does not open needs one; for a bundle made
    # for other recipients the import itself says so.
    needed = svc.bundles.how_it_opens(path) is Opening.PASSPHRASE
    return read_bundle_passphrase(args, confirm=False) if needed else None


#: What each policy did (or, in a dry run, would do) with a memory changed on both sides, said in the report.
_SETTLED = {ConflictPolicy.SKIP: ("this vault's version was kept", "this vault's version would be kept"),
            ConflictPolicy.OVERWRITE: ("the bundle's version replaced this vault's",
                                       "the bundle's version would replace this vault's"),
            ConflictPolicy.NEWER: ("the later change was kept", "the later change would be kept"),
            ConflictPolicy.COPY: ("the bundle's version came in as a new memory beside this vault's",
                                  "the bundle's version would come in as a new memory beside this vault's")}


def cmd_import(args: argparse.Namespace) -> int:
    from memvault.service.bundle_import import ImportOptions

    path = Path(args.file)
    if not path.exists():  # said before any passphrase is asked for
        raise InvalidInput(f"there is no file {path}")
    if args.source == readable_commands.BUNDLE and path.is_dir():  # a bundle is one file; a folder holds notes
        raise InvalidInput(f"{path} is a folder, not a bundle: import a folder of notes with --from markdown "
                           "(a Memvault Markdown copy), --from obsidian or --from basic-memory")
    if args.source != readable_commands.BUNDLE:
        return readable_commands.cmd_import_from(args)
    options = ImportOptions(into=args.into, policy=ConflictPolicy(args.on_conflict), dry_run=args.dry_run)
    with opened(args) as svc:
        try:
            passphrase = _bundle_passphrase_for(args, svc, path)
        except NotABundle as exc:  # a chat export or another tool's file, given without its --from
            others = ", ".join(s for s in readable_commands.IMPORT_SOURCES if s != readable_commands.BUNDLE)
            raise NotABundle(f"{exc.message}; to import another tool's file, say what it is with --from "
                             f"({others})") from None
        with progress_for(args) as display:
            report = svc.bundles.import_bundle(path, options, passphrase=passphrase, progress=_counter(display))
            embedded = 0
            if report.to_embed and not report.dry_run:
                # Another model made the bundle's vectors: embed with this vault's model now, with progress.
                total = svc.jobs.depth()
                while done := svc.worker.run_once():
                    embedded += done
                    display.count(min(embedded, total), total, "embedding")
    verb = "would do" if report.dry_run else "did"
    # Conflicts are among the new, updated and skipped, not beside them: "1 new, 8 skipped, 1 conflicting" of 9
    # memories read as ten.
    text = (f"{'Dry run: nothing was written. ' if report.dry_run else ''}{plural(report.memories, 'memory')} in the bundle: "
            f"{report.new:,} new, {report.updated:,} updated, {report.skipped:,} skipped (the import {verb} this)")
    # Those the vault holds in another namespace are no edit on both sides: they have a line of their own, and no
    # policy but copy imports them (they read "replaced" under overwrite, and nothing was).
    differing = report.conflicting - report.held_elsewhere
    if differing:
        text += (f"\n{plural(differing, 'memory')} of these {'was' if differing == 1 else 'were'} changed both here "
                 f"and in the bundle: {_SETTLED[options.policy][report.dry_run]} (policy {options.policy.value})")
    if report.to_embed:
        text += (f"\n{plural(report.to_embed, 'memory')} {('needs' if report.to_embed == 1 else 'need') if report.dry_run else 'needed'} new vectors from this "
                 f"vault's model")
    if report.stamped_now:
        text += "\n" + fmt.stamped_ahead(report.stamped_now)
    if report.conflicts:
        text += "\nconflicting ids: " + ", ".join(report.conflicts[:10]) + (" …" if len(report.conflicts) > 10 else "")
    if report.held_elsewhere:
        text += "\n" + fmt.held_elsewhere(report.held_elsewhere)
    out(args, {**fmt.plain(report), "embedded": embedded}, text)
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    path = Path(args.file)
    with opened(args) as svc:
        passphrase = _bundle_passphrase_for(args, svc, path)
        with progress_for(args) as display:
            info = svc.bundles.inspect(path, passphrase=passphrase, verify=not args.no_verify,
                                       progress=_counter(display))
    m = info.manifest
    ways = [w for w in ("a passphrase" if info.has_passphrase else "",
                        plural(info.recipients, "recipient key") if info.recipients else "") if w]
    lines = [(f"bundle format version {info.version}, written {fmt.when(info.created_at)} by vault "
              f"{info.source_vault} (device {info.source_device})"),
             f"opens with: {' and '.join(ways)}{' (this vault is one)' if info.for_this_vault else ''}",
             (f"model {m.model_id} ({m.dimension} dimensions); history "
              f"{'included' if m.include_history else 'left out'}; trash "
              f"{'included' if m.include_deleted else 'left out'}")]
    lines += [f"  {n.name:24} {plural(n.memories, 'memory'):>14} ({n.deleted:,} in the trash), "
              f"{plural(n.history, 'history version')}"
              for n in m.namespaces]
    lines.append(f"{info.bytes / 1e6:.1f} MB; " + ("every segment authenticated and the digest matches"
                                                    if info.verified else "not verified (--no-verify)"))
    out(args, {**fmt.plain(info), "manifest": m.to_json()}, "\n".join(lines))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    if Path(args.file).exists():  # as export refuses: a backup taken by mistake must not replace a good one
        raise InvalidInput(f"{args.file} already exists; choose a new name (nothing is overwritten)")
    with opened(args) as svc:
        info, seconds = svc.backups.backup(Path(args.file))
    out(args, {**fmt.plain(info), "path": str(info.path), "seconds": seconds},
        f"Backed up the vault to {info.path} ({info.file_bytes / 1e6:.1f} MB in {seconds:.1f} s); "
        "it opens with the vault's current passphrase")
    return 0


def cmd_restore_backup(args: argparse.Namespace) -> int:
    from memvault.service.backups import inspect_backup, restore_backup
    from memvault.service.container import vault_exists

    settings = settings_for(args)
    info = inspect_backup(Path(args.file))
    replace = args.yes
    if vault_exists(settings) and not replace:
        if not sys.stdin.isatty():
            raise InvalidInput(f"a vault already exists in {settings.home_path}; pass --yes to replace it "
                               "(its files are kept in a replaced-… folder)")
        print(f"A vault already exists in {settings.home_path}. Close every Memvault window and server using it.")
        answer = input(f"Replace it with the backup from {fmt.when(info.created_at)}? Type 'replace': ")
        if answer.strip() != "replace":
            raise InvalidInput("not restored: the vault was left as it was")
        replace = True
    report = restore_backup(Path(args.file), settings.home_path, replace=replace)
    kept = f"; the replaced files are in {report.replaced_kept_in}" if report.replaced_kept_in else ""
    plain = {"home": str(report.home), "backup": {**fmt.plain(report.backup), "path": str(report.backup.path)},
             "replaced_kept_in": str(report.replaced_kept_in) if report.replaced_kept_in else None}
    # The backup brings its own key: a vault that had another passphrase opens with the backup's now.
    out(args, plain, f"Restored the backup from {fmt.when(info.created_at)} into {report.home}{kept}. It opens with "
                     "the passphrase the vault had when the backup was made.")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    def bundle_secret(p: argparse.ArgumentParser) -> None:
        p.add_argument("--bundle-passphrase-file", metavar="FILE",
                       help=f"read the bundle's passphrase from FILE (else {BUNDLE_PASSPHRASE_ENV}, else a prompt)")

    p = command("export", "write namespaces to an encrypted bundle (.mvbundle) or, with --format, a readable copy",
                cmd_export, passphrase=True, json=True)
    p.add_argument("namespaces", nargs="+", metavar="NS", help="the namespaces to export")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the bundle file to write (for --format markdown: a new folder)")
    p.add_argument("--recipient", action="append", metavar="KEY",
                   help="encrypt for this vault's recipient key (mvpub1…; repeatable) instead of a passphrase")
    p.add_argument("--no-history", action="store_true", help="leave out earlier versions of each memory")
    p.add_argument("--include-deleted", action="store_true", help="include memories in the trash")
    bundle_secret(p)
    readable_commands.add_export_options(p)

    p = command("import", "import a bundle or, with --from, another tool's file (checked as a whole first; all or "
                "nothing)", cmd_import, passphrase=True, json=True)
    p.add_argument("file", metavar="FILE", help="the bundle (or, with --from, the file or folder) to import")
    p.add_argument("--into", metavar="NS", help="put every memory into this namespace")
    p.add_argument("--on-conflict", choices=[c.value for c in ConflictPolicy], default=ConflictPolicy.NEWER.value,
                   help="when an id already exists: skip, overwrite, newer (the later clock wins) or copy")
    p.add_argument("--dry-run", action="store_true", help="report what would change without writing")
    bundle_secret(p)
    readable_commands.add_import_options(p)

    p = command("inspect", "show what a bundle holds (and verify it)", cmd_inspect, passphrase=True, json=True)
    p.add_argument("file", metavar="FILE", help="the bundle to open")
    p.add_argument("--no-verify", action="store_true", help="only open the header and manifest")
    bundle_secret(p)

    p = command("backup", "write a backup of the whole vault (encrypted; works while the vault is in use)",
                cmd_backup, passphrase=True, json=True)
    p.add_argument("file", metavar="FILE", help="the backup file to write (.mvbackup)")

    p = command("restore-backup", "replace the vault with a backup (asks first; keeps the replaced files)",
                cmd_restore_backup, json=True)
    p.add_argument("file", metavar="FILE", help="the backup file to restore")
    p.add_argument("--yes", action="store_true", help="replace an existing vault without asking")
