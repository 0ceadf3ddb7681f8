"""Entry point of the ``memvault`` command: logging, signals, and the one mapping of errors to exits."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from memvault.cli.format import for_terminal, takes_any_character
from memvault.cli.parser import build_parser
from memvault.domain.errors import MemvaultError


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # Turn SIGTERM into SystemExit so that finally blocks close the vault,
    # flush usage counters and remove temporary benchmark vaults.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # Configure logging before any library does: warnings only, to stderr, and
    # no library's INFO lines (which may name request URLs) on the console.
    logging.basicConfig(level=logging.WARNING, format="memvault: %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):
        if not takes_any_character(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # "?" for what the terminal's encoding lacks, not a traceback
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        code = args.func(args)
        # What is still buffered is written here, so that a reader who left shows as the BrokenPipeError below
        # rather than as "Exception ignored" and status 120 when Python flushes stdout at exit (a bare
        # environment, no TERM: the output stays in the buffer until then).
        sys.stdout.flush()
        return code
    except MemvaultError as exc:
        print(f"memvault: {for_terminal(exc.message)}", file=sys.stderr)  # messages quote what was given
        return exc.exit_code
    except KeyboardInterrupt:
        print("memvault: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`memvault list | head`): nothing is wrong, and nothing more is printed.
        # Python would still flush stdout at exit and print a traceback: point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by it
