"""The ``memvault`` command: one module per group of commands, each registering its own arguments.

``main`` maps the domain errors to exit codes once (0 success, 2 bad input, 1 other expected
errors, one line on stderr); anything else is a bug and crashes with a traceback.
"""

from memvault.cli.main import main

__all__ = ["main"]
