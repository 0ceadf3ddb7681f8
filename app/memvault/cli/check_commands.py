"""``memvault check``: the vault's integrity, and repair of what can be rebuilt."""

from __future__ import annotations

import argparse

from memvault.cli.common import opened, out
from memvault.cli.parser import Command

#: Exit status when problems remain (after a repair, if one was asked for).
PROBLEMS_EXIT = 3


def _report_text(report) -> str:
    lines = [f"- {line}" for line in report.repaired]
    if report.ok:
        lines.append("The vault is intact: pages, structure, full-text index and vectors all agree.")
    for p in report.problems:
        lines.append(f"PROBLEM ({p.check}): {p.message}")
        lines += [f"    {d}" for d in p.details[:5]]
    for name, code in report.skipped.items():
        lines.append(f"not checked: {name} ({code})")
    c = report.counts
    if c:
        lines.append(
            f"{c['memories']:,} memories ({c['trashed']:,} in the trash, {c['archived']:,} archived; "
            f"{c['ready']:,} ready, {c['processing']:,} waiting, {c['failed']:,} failed to embed); "
            f"{c['fts_rows']:,} full-text rows, {c['chunks']:,} chunks, {c['vectors']:,} vectors, "
            f"{c['jobs']:,} queued jobs; checked in {report.seconds:.1f} s")
    if report.repairable and not report.repaired and not any(not p.repairable for p in report.problems):
        lines.append("Run `memvault check --repair` to fix what is marked repairable.")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        report = svc.integrity.repair() if args.repair else svc.integrity.check()
    out(args, report, _report_text(report))
    return 0 if report.ok else PROBLEMS_EXIT


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("check", "check the vault's integrity (pages, full-text index, vectors) and repair indexes; "
                f"exit status {PROBLEMS_EXIT} when problems remain", cmd_check, passphrase=True, json=True)
    p.add_argument("--repair", action="store_true",
                   help="rebuild the full-text index, queue memories missing vectors, remove orphaned vectors")
