"""``memvault export --format jsonl|markdown`` and ``memvault import --from chatgpt|claude|mem0|…``.

The bundle commands (:mod:`memvault.cli.bundle_commands`) hand these formats
over here; their options are added to the same ``export`` and ``import``
subcommands, so there is one command for each direction.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from memvault.cli import format as fmt
from memvault.domain.words import plural
from memvault.cli.common import opened, out
from memvault.cli.progress import ProgressDisplay, progress_for
from memvault.domain.errors import InvalidInput

BUNDLE = "bundle"
EXPORT_FORMATS = (BUNDLE, "jsonl", "markdown")
IMPORT_SOURCES = (BUNDLE, "jsonl", "markdown", "chatgpt", "claude", "mem0", "mcp-memory-service", "basic-memory",
                  "obsidian")


def _counter(display: ProgressDisplay) -> Callable[[str, int, int], None]:
    # A first pass does not know the total yet: it counts what it has read.
    return lambda stage, done, total: display.count(done, total if total > 0 else done, stage)


def cmd_export_readable(args: argparse.Namespace) -> int:
    from memvault.service.readable_export import UNENCRYPTED_REFUSAL, ReadableExportRequest, ReadableFormat

    if args.recipient or args.bundle_passphrase_file:
        raise InvalidInput(f"--recipient and --bundle-passphrase-file are for bundles; a {args.format} export is "
                           "not encrypted")
    if not args.unencrypted_ok:
        raise InvalidInput(UNENCRYPTED_REFUSAL)
    request = ReadableExportRequest(tuple(args.namespaces), ReadableFormat(args.format),
                                    include_history=not args.no_history, include_deleted=args.include_deleted,
                                    unencrypted_ok=True)
    with opened(args) as svc, progress_for(args) as display:
        report = svc.readable.export(Path(args.output), request, progress=_counter(display))
    what = f"the file {args.output}" if args.format == "jsonl" else \
        f"{plural(report.files, 'note')} in the folder {args.output}"
    out(args, fmt.plain(report),
        f"Exported {plural(report.memories, 'memory')} ({plural(report.history, 'history version')}) from "
        f"{', '.join(report.namespaces)} to {what} ({report.bytes / 1e6:.1f} MB, "
        f"{report.seconds:.1f} s). It is NOT encrypted: keep it somewhere safe or delete it when done.")
    return 0


def cmd_import_from(args: argparse.Namespace) -> int:
    from memvault.domain.transfer import ConflictPolicy
    from memvault.service.importers.run import ToolImportRequest
    from memvault.service.importers.sources import Source

    request = ToolImportRequest(Source(args.source), namespace=args.into, dry_run=args.dry_run,
                                with_turns=args.with_turns, policy=ConflictPolicy(args.on_conflict))
    embedded = 0
    with opened(args) as svc, progress_for(args) as display:
        report = svc.readable.import_from(Path(args.file), request, progress=_counter(display))
        if not report.dry_run:
            # Searchable before the command ends, as a bundle import is (a readable copy carries no vectors).
            total = svc.jobs.depth()
            try:
                while done := svc.worker.run_once():
                    embedded += done
                    display.count(min(embedded, total), total, "embedding")
            except KeyboardInterrupt:
                # What was stored stays stored: say so, or "interrupted" reads as if nothing had been imported.
                left = svc.reembed.waiting()
                print(f"memvault: the import itself is done ({report.new:,} new, {report.updated:,} updated); "
                      f"{plural(left, 'memory')} {'is' if left == 1 else 'are'} not embedded yet, so a search by "
                      "meaning misses them until `memvault reembed` (or the app, or `memvault serve`) embeds them",
                      file=sys.stderr)
                raise
    differing = report.conflicting - report.held_elsewhere
    lines = [f"{'Dry run: nothing was written. ' if report.dry_run else ''}{plural(report.records, 'memory')} in "
             f"{report.file}: {report.new:,} new, {report.updated:,} updated, {report.skipped:,} skipped"
             + (f" ({differing:,} {'differs' if differing == 1 else 'differ'} from the vault's: "
                f"{_settled[args.on_conflict]})"
                if differing else "")]
    if differing:
        listed = ", ".join(report.conflicts[:10]) + (" …" if len(report.conflicts) > 10 else "")
        # A note edited in the file after the vault's memory changed too: which ones, and how to take the file's.
        take = "" if args.on_conflict in ("overwrite", "copy") else \
            "; --on-conflict overwrite takes the file's version, --on-conflict copy keeps both"
        lines.append(f"changed in the file and in the vault since the export: {listed}{take}")
    if report.held_elsewhere:
        lines.append(fmt.held_elsewhere(report.held_elsewhere))
    if report.empty:
        lines.append(f"{plural(report.empty, 'empty note')} left out")
    if report.deleted:
        lines.append(f"{plural(report.deleted, 'memory')} the source had deleted left out")
    if report.stamped_now:
        lines.append(fmt.stamped_ahead(report.stamped_now))
    fresh = report.conversations - report.conversations_skipped
    if report.dry_run and report.conversations:
        lines.append(f"{report.conversations:,} conversations ({report.conversations_skipped:,} already imported): "
                     f"{fresh:,} would go through fact extraction")
    elif report.conversations:
        lines.append(f"{report.conversations:,} conversations ({report.conversations_skipped:,} already imported): "
                     f"{fresh:,} went through fact extraction, {report.facts:,} facts stored")
    if embedded:
        lines.append(f"{plural(embedded, 'memory')} embedded")
    if report.stopped:
        lines.append(f"Not finished: {report.stopped}")
    out(args, {**fmt.plain(report), "embedded": embedded}, "\n".join(lines))
    return 1 if report.stopped else 0


#: What an import did with the memories that differ from the vault's, by --on-conflict.
_settled = {"skip": "the vault's were kept", "newer": "the later version of each was kept",
            "overwrite": "the file's replaced them", "copy": "the file's were added as copies"}


def add_export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=EXPORT_FORMATS, default=BUNDLE,
                   help="bundle (encrypted, the default), jsonl (one memory a line) or markdown (a folder of notes "
                        "with YAML front matter, readable in Obsidian); jsonl and markdown are NOT encrypted")
    p.add_argument("--unencrypted-ok", action="store_true",
                   help="confirm that a jsonl or markdown export is written unencrypted")


def add_import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="source", choices=IMPORT_SOURCES, default=BUNDLE,
                   help="what FILE is: a bundle (the default), a Memvault jsonl or markdown export, a ChatGPT or "
                        "Claude conversations.json (or the export's zip), mem0's export JSON or history DB, "
                        "mcp-memory-service's SQLite file, or a Basic Memory or Obsidian folder")
    p.add_argument("--with-turns", action="store_true",
                   help="chat exports: also store every turn as a memory (facts are always extracted)")
