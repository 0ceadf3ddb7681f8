"""``memvault version``: what to paste into a bug report."""

from __future__ import annotations

import argparse

from memvault.cli.common import out
from memvault.cli.parser import Command
from memvault.service.about import about


def cmd_version(args: argparse.Namespace) -> int:
    info = about()
    text = "\n".join([
        f"memvault {info.version}",
        f"vault schema {info.schema_version}",
        f"embedding model {info.embedding_model or 'missing (reinstall Memvault)'}",
        f"NLP pipeline {info.nlp_pipeline or 'missing (extraction is off)'}",
        f"Python {info.python}",
        f"platform {info.platform}",
    ])
    out(args, info, text)
    return 0


def register(command: Command) -> None:
    command("version", "print the version of Memvault, its vault schema, models, Python and platform",
            cmd_version, json=True)
