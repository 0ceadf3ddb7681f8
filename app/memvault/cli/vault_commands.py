"""Commands that create, open or re-key a vault, and the desktop app."""

from __future__ import annotations

import argparse
import getpass
import sys

from memvault.cli.common import bundled_model, lazy_embedder, out, read_passphrase, settings_for
from memvault.cli.parser import Command
from memvault.domain.errors import InvalidInput


def cmd_gui(args: argparse.Namespace) -> int:
    from memvault.gui import preflight

    # Before anything imports QtGui: Qt aborts the process when it cannot open a display.
    problem = preflight.problem()
    if problem is not None:
        print(f"memvault: {problem}", file=sys.stderr)
        return 1
    from memvault.api.server import start_api_server
    from memvault.gui.launch import run_gui

    return run_gui(settings_for(args), start_api_server, capture=getattr(args, "capture", False))


def cmd_init(args: argparse.Namespace) -> int:
    from memvault.service.container import create_vault

    settings = settings_for(args)
    if args.model is not None:
        bundled_model(args.model)  # before the passphrase is asked
    passphrase = read_passphrase(args, confirm=True)
    services = create_vault(settings, passphrase, lazy_embedder(settings), background=False, model=args.model)
    model = services.embedder.model_id
    services.close()
    out(args, {"vault": str(settings.home_path), "model": model},
        f"Created a new vault in {settings.home_path} (embedding model {model})")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from memvault.cli.common import opened
    from memvault.service.container import vault_exists
    from memvault.service.models import ModelService

    settings = settings_for(args)
    current = None
    if vault_exists(settings):  # which one this vault uses is inside it; before `init` there is only the choice
        with opened(args) as svc:
            current = svc.embedder.model_id
    models = [{"name": m.name, "model_id": m.model_id, "summary": m.summary, "current": m.model_id == current}
              for m in ModelService.available()]
    text = "\n".join(f"{'*' if m['current'] else ' '} {m['name']}: {m['summary']}" for m in models)
    if current is None:
        text += (f"\nNo vault in {settings.home_path} yet: `memvault init --model NAME` creates one with the model "
                 f"NAME ({models[0]['name']} without --model)")
    out(args, models, text)
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from memvault.service.container import open_vault

    settings = settings_for(args)
    old = read_passphrase(args, prompt="Current passphrase: ")
    # Unlock first: a wrong current passphrase is reported before anyone types a new one twice.
    services = open_vault(settings, old, lazy_embedder(settings), background=False)
    try:
        if not sys.stdin.isatty():
            raise InvalidInput("changing the passphrase needs a terminal for the new one")
        new = getpass.getpass("New passphrase: ")
        if getpass.getpass("Repeat new passphrase: ") != new:
            raise InvalidInput("the two passphrases differ")
        services.change_passphrase(old, new)
    finally:
        services.close()
    print("Passphrase changed")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    command("gui", "open the desktop app (the default)", cmd_gui)

    p = command("init", "create a new vault (asks for the passphrase twice)", cmd_init, passphrase=True, json=True)
    p.add_argument("--model", metavar="NAME", help="the embedding model: all-MiniLM-L6-v2 (English, the default) "
                                                   "or multilingual-e5-small (about 100 languages); see `memvault models`")

    command("models", "the bundled embedding models, and which one this vault uses", cmd_models,
            passphrase=True, json=True)

    command("passwd", "change the vault passphrase (re-wraps the key; the data is not rewritten)", cmd_passwd,
            passphrase=True)
