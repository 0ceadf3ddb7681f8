"""Commands that measure: speed (bench) and retrieval quality (eval)."""

from __future__ import annotations

import argparse
from pathlib import Path

from memvault.cli import format as fmt
from memvault.cli.common import out, settings_for
from memvault.cli.parser import Command
from memvault.cli.progress import progress_for
from memvault.domain.errors import InvalidInput
from memvault.service import validation as v


def cmd_bench(args: argparse.Namespace) -> int:
    from memvault.bench.http import run_http_benchmark
    from memvault.bench.service import run_benchmark

    # Counts are checked before anything is built: --n -5 had started a run of the default size.
    v.int_range(args.n, "--n", 1, 10_000_000)
    v.int_range(args.http_n, "--http-n", 1, 1_000_000)
    v.int_range(args.busy_n, "--busy-n", 0, 1_000_000)
    v.int_range(args.extraction_n, "--extraction-n", 0, 10_000)
    v.int_range(args.fact_chats, "--fact-chats", 0, 100_000)
    v.int_range(args.texts, "--texts", 1, 1_000_000)
    v.int_range(args.rounds, "--rounds", 1, 100)
    v.unit_float(args.load_seconds, "--load-seconds", high=3600.0)
    if args.bundle:
        from memvault.bench.bundle import run_bundle_benchmark

        with progress_for(args) as progress:
            figures = run_bundle_benchmark(settings_for(args), n=args.n, progress=progress.stage)
        out(args, figures, figures.as_text())
        return 0
    if args.readable:
        from memvault.bench.readable import run_readable_benchmark

        with progress_for(args) as progress:
            readable = run_readable_benchmark(settings_for(args), n=args.n, progress=progress.stage)
        out(args, readable, readable.as_text())
        return 0 if readable.equal else 1
    if args.embedding and args.model:
        from memvault.bench.model_speed import run_model_speed

        with progress_for(args) as progress:
            speed = run_model_speed(settings_for(args), ["all-MiniLM-L6-v2", *args.model], texts=args.texts,
                                    rounds=args.rounds, progress=progress.stage)
        out(args, speed, speed.as_text())
        return 0
    if args.embedding:
        from memvault.bench.embedding import run_embedding_benchmark

        with progress_for(args) as progress:
            report = run_embedding_benchmark(settings_for(args), texts=args.texts, rounds=args.rounds,
                                             progress=progress.stage)
        out(args, {**fmt.plain(report), "ratio": report.ratio, "ingest_share": report.ingest_share,
                   "quality_ok": report.quality_ok}, report.as_text())
        return 0
    if args.scale:
        from memvault.bench.scale import run_scale_benchmark

        with progress_for(args) as progress:
            scale = run_scale_benchmark(settings_for(args), n=args.n, progress=progress.stage)
        out(args, scale, scale.as_text())
        return 0
    if args.sync:
        from memvault.bench.sync import run_sync_benchmark

        with progress_for(args) as progress:
            figures = run_sync_benchmark(settings_for(args), n=args.n, progress=progress.stage)
        out(args, figures, figures.as_text())
        return 0
    if args.share:
        from memvault.bench.share import run_share_benchmark

        with progress_for(args) as progress:
            shared = run_share_benchmark(settings_for(args), n=args.n, progress=progress.stage)
        out(args, shared, shared.as_text())
        return 0
    if args.gui:
        from memvault.bench.gui import run_gui_benchmark

        with progress_for(args) as progress:
            figures = run_gui_benchmark(args.n, progress.stage, keep=Path(args.keep) if args.keep else None)
        out(args, figures, (
            f"desktop app with {int(figures['memories']):,} memories (median of {int(figures['runs'])} launches): "
            f"unlock dialog {figures['dialog_s']:.2f} s after launch; passphrase submitted at once, "
            f"first page on screen {figures['interactive_s']:.2f} s after launch "
            f"({figures['unlock_to_interactive_s']:.2f} s after submitting, Argon2id included); "
            f"RSS after start-up {figures['rss_mb']:.0f} MB; "
            f"filter by type: rows {figures['filter_ms']:.0f} ms, count {figures['filter_count_ms']:.0f} ms; "
            f"first semantic search {figures['first_search_ms']:.0f} ms, RSS after it "
            f"{figures['rss_after_search_mb']:.0f} MB"))
        return 0
    with progress_for(args) as progress:
        report = run_benchmark(settings_for(args), n=args.n, busy_n=args.busy_n, extraction_n=args.extraction_n,
                               fact_chats=args.fact_chats, progress=progress.stage)
        http = None if args.no_http else run_http_benchmark(settings_for(args), memories=args.http_n,
                                                            load_seconds=args.load_seconds, progress=progress.stage)
    text = report.as_text() + ("" if http is None else "\n" + http.as_text())
    out(args, {"service": report, "http": http and {**fmt.plain(http), "http_vs_service": http.http_vs_service}},
         text)
    return 0


def _one_model(args: argparse.Namespace) -> str | None:
    if not args.model:
        return None
    if len(args.model) > 1:
        raise InvalidInput("--model is given once with --beir, --conversations or --notes (one vault, one model)")
    from memvault.service.models import ModelService

    names = [m.name for m in ModelService.available()]
    if args.model[0] not in names:  # before the set is read and a vault made
        raise InvalidInput(f"no bundled embedding model is called {args.model[0]!r}; choose one of {', '.join(names)}")
    return args.model[0]


def cmd_eval(args: argparse.Namespace) -> int:
    if args.half is not None and not (args.extraction or args.conversations or args.notes):
        raise InvalidInput("--half goes with --conversations, --notes or --extraction (the sets split in halves)")
    with progress_for(args) as progress:
        if args.entities:
            from memvault.bench.entity_types import run_entity_types

            progress.stage("reading the sentences")
            report = run_entity_types(Path(args.entities))
        elif args.extraction:
            from memvault.bench.extraction import run_extraction_eval

            report = run_extraction_eval(Path(args.extraction), progress=progress.stage, half=args.half)
        elif args.multilingual:
            from memvault.bench.multilingual import run_multilingual

            from memvault.service.models import ModelService

            # Every bundled model unless --model names some: the set compares them.
            models = args.model or [m.name for m in ModelService.available()]
            reports = [run_multilingual(settings_for(args), Path(args.multilingual), progress=progress.stage, model=m)
                       for m in models]
            out(args, reports, "\n\n".join(r.as_text() for r in reports))
            return 0
        elif args.notes:
            from memvault.bench.notes import run_notes

            report = run_notes(settings_for(args), Path(args.notes), progress=progress.stage, model=_one_model(args),
                               half=args.half)
        elif args.conversations:
            from memvault.bench.conversations import run_conversations

            # Per-question rows are for --json readers; the text shows the aggregates.
            report = run_conversations(settings_for(args), Path(args.conversations), progress=progress.stage,
                                       sessions=not args.no_sessions, model=_one_model(args), half=args.half)
        else:
            from memvault.bench.beir import run_beir

            report = run_beir(settings_for(args), Path(args.beir), split=args.split, max_queries=args.max_queries,
                              progress=progress.stage, model=_one_model(args))
    out(args, report, report.as_text())
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("bench", "measure embedding, ingest and search speed on a temporary vault", cmd_bench, json=True)
    p.add_argument("--n", type=int, default=100_000, help="memories in the large vault")
    p.add_argument("--http-n", type=int, default=2000, help="memories per HTTP ingest run")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP figures")
    p.add_argument("--load-seconds", type=float, default=20.0,
                   help="seconds of 16 clients sending mixed requests over HTTP (0: skip that row)")
    p.add_argument("--busy-n", type=int, default=10_000,
                   help="memories stored into the large vault while searches are timed (0: skip that row)")
    p.add_argument("--extraction-n", type=int, default=48,
                   help="generated chats whose fact extraction is timed, with and without a caller-given name "
                        "(0: skip that row)")
    p.add_argument("--fact-chats", type=int, default=200,
                   help="generated chats stored with their facts, and the same turns without, for timing hybrid "
                        "search where facts fold into their turns (0: skip that row)")
    p.add_argument("--gui", action="store_true",
                   help="measure the desktop app instead: launch to interactive window, RSS, filter time")
    p.add_argument("--bundle", action="store_true",
                   help="measure bundles instead: export, verify-only and import of --n memories with vectors")
    p.add_argument("--readable", action="store_true",
                   help="measure a JSON Lines round trip instead: export and import of --n memories (try 10000), "
                        "checked field for field")
    p.add_argument("--embedding", action="store_true",
                   help="measure the embedder instead: texts/s against a PyTorch fp32 run of the same model, "
                        "cosine to it, and ingest until searchable (needs the bench extra)")
    p.add_argument("--texts", type=int, default=1000, help="with --embedding: bench texts")
    p.add_argument("--model", metavar="NAME", action="append",
                   help="with --embedding: time this bundled model beside the English one instead of racing PyTorch "
                        "(repeatable)")
    p.add_argument("--rounds", type=int, default=3, help="with --embedding: interleaved rounds")
    p.add_argument("--scale", action="store_true",
                   help="measure search at scale instead: end to end and the KNN step on a vault of --n memories "
                        "imported with generated vectors (only the 100,000 texts they mix are embedded; 1,000,000 takes ~20 min)")
    p.add_argument("--sync", action="store_true",
                   help="measure sync instead: a new device joining --n memories through a folder, idle cycles")
    p.add_argument("--share", action="store_true",
                   help="measure a namespace shared between people instead: a new member joining --n memories "
                        "through a folder, and one member cycle as the roster grows to 1, 5, 10 and 20 members")
    p.add_argument("--keep", metavar="DIR",
                   help="with --gui: build the benchmark vault in DIR once and reuse it on later runs")

    p = command("eval", "measure retrieval quality (BEIR set, conversation set), fact extraction or entity types",
                cmd_eval, json=True)
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument("--beir", metavar="DIR", help="folder with corpus.jsonl, queries.jsonl, qrels/")
    data.add_argument("--conversations", metavar="FILE",
                      help="conversation set (JSON; see tests/data/conversations/README.md): "
                           "R@5, R@10, nDCG@10 per half, mode and question kind")
    data.add_argument("--notes", metavar="FILE",
                      help="notes set (JSON; see tests/data/notes-tune/README.md): R@1, R@5 and how far the "
                           "good-match flag holds (recall, false alarms, precision) per half, mode and kind of vault")
    data.add_argument("--multilingual", metavar="FILE",
                      help="multilingual set (JSON; see tests/data/multilingual/README.md): R@5 and R@1 per "
                           "language and search mode, same-language and across languages")
    data.add_argument("--extraction", metavar="FILE",
                      help="labelled extraction set (JSON; see tests/data/extraction/README.md): precision, "
                           "recall, semantic/episodic and category accuracy, turns per second")
    data.add_argument("--entities", metavar="FILE",
                      help="labelled entity-type set (JSON; see tests/data/entity-types/README.md): precision, "
                           "recall and which type each expected name was found as")
    p.add_argument("--model", metavar="NAME", action="append",
                   help="the bundled embedding model the evaluation's vault uses (default: the English one); with "
                        "--multilingual repeatable, and every bundled model when not given")
    p.add_argument("--half", metavar="NAME",
                   help="with --conversations, --notes or --extraction: score only this half of the set (tune, "
                        "heldout); tuning work reads --half tune, so no held-out figure is printed by the way")
    p.add_argument("--no-sessions", action="store_true",
                   help="with --conversations: store the turns without session ids")
    p.add_argument("--split", default="test", help="with --beir: which qrels/<split>.tsv to score against")
    p.add_argument("--max-queries", type=int, metavar="N",
                   help="with --beir: evaluate only the first N queries (default: all)")
