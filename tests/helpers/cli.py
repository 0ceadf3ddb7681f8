"""Running the ``memvault`` command in the test's own process, with its output captured."""

from __future__ import annotations

from memvault.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``memvault ARGV…``: its exit status, standard output and standard error."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
