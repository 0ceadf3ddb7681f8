"""What every command shares: the passphrase, settings, an unlocked vault for one command, filters."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from memvault.cli import format as fmt
from memvault.config import Settings, load_settings
from memvault.domain import limits
from memvault.domain.enums import MemoryType, TagMatch, Tier
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryFilter
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest
from memvault.embedding.manifest import manifest_named as load_manifest_named

PASSPHRASE_ENV = "MEMVAULT_PASSPHRASE"


def out(args: argparse.Namespace, obj: object, text: str, *, own_bold: bool = False) -> None:
    """``obj`` as JSON with ``--json``, else ``text`` made safe for a terminal (``own_bold``: see
    :func:`memvault.cli.format.for_terminal`)."""
    print(fmt.to_json(obj) if getattr(args, "json", False) else fmt.for_terminal(text, own_bold=own_bold))


def read_passphrase_file(path: str | Path, kind: str = "") -> str:
    try:
        passphrase = Path(path).read_text("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise InvalidInput(f"cannot read the {kind}passphrase file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"the {kind}passphrase file {path} is not UTF-8 text") from None
    if not passphrase:  # else it reads as a wrong passphrase, and the user looks for the error elsewhere
        raise InvalidInput(f"the {kind}passphrase file {path} is empty")
    return passphrase


def read_stdin_text() -> str:
    """Standard input as UTF-8 text, less the one line end that ends it (``echo`` adds one) and a byte order mark
    that starts it (Windows editors write one). Read as bytes: the text stream would turn bad bytes into lone
    surrogates, refused later as "an unpaired surrogate", which says nothing to someone piping a file."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # standard input replaced by a text stream (an embedding host, a test): already text
        return one_line_end_off(sys.stdin.read())
    data = raw.read()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput("standard input is UTF-16 text: save or convert it as UTF-8")
    try:
        return one_line_end_off(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"standard input is not UTF-8 text (byte {exc.start} cannot be read)") from None


def one_line_end_off(text: str) -> str:
    """``text`` without the one line end (``\n`` or ``\r\n``) a file or a pipe ends with."""
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def read_secret(file: str | Path | None, env: str, *, kind: str, flag: str, confirm: bool = False,
                prompt: str | None = None, ask: bool = True) -> str | None:
    """A passphrase from ``file``, then the environment variable ``env``, then (if ``ask``) the terminal.

    ``kind`` names it in messages ("", "bundle ", "sync "); ``flag`` is the option that takes a file.
    """
    if file:
        return read_passphrase_file(file, kind)
    if os.environ.get(env):
        return os.environ[env]
    if not ask:
        return None
    if not sys.stdin.isatty():
        empty = f"{env} is set but empty" if env in os.environ else f"no {kind}passphrase"
        raise InvalidInput(f"{empty}: set {env}, pass {flag}, or run in a terminal")
    first = getpass.getpass(prompt or f"{kind.capitalize() or 'Vault '}passphrase: ")
    if confirm and getpass.getpass(f"Repeat {kind}passphrase: ") != first:
        raise InvalidInput(f"the two {kind}passphrases differ")
    return first


def given_passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase from ``--passphrase-file`` or ``MEMVAULT_PASSPHRASE``, without prompting."""
    return read_secret(getattr(args, "passphrase_file", None), PASSPHRASE_ENV, kind="", flag="--passphrase-file",
                       ask=False)


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Vault passphrase: ") -> str:
    """From ``--passphrase-file``, then ``MEMVAULT_PASSPHRASE``, then a prompt."""
    secret = read_secret(getattr(args, "passphrase_file", None), PASSPHRASE_ENV, kind="", flag="--passphrase-file",
                         confirm=confirm, prompt=prompt)
    assert secret is not None
    return secret


def settings_for(args: argparse.Namespace) -> Settings:
    return load_settings(home=getattr(args, "vault", None))


def lazy_embedder(settings: Settings) -> LazyEmbedder:
    """The model as the manifest describes it; its ONNX session loads on the first text to embed."""
    return LazyEmbedder(load_manifest(), threads=settings.embed_threads, batch_size=settings.embed_batch_size,
                        batch_tokens=settings.embed_batch_tokens, precision=settings.embed_precision)


def bundled_model(name: str):
    """The bundled embedding model called ``name``; another name is bad input (exit 2)."""
    from memvault.domain.errors import ModelError

    try:
        return load_manifest_named(name)
    except ModelError as exc:
        raise InvalidInput(exc.message) from None


@contextlib.contextmanager
def opened(args: argparse.Namespace, passphrase: str | None = None) -> Iterator:
    """Unlock the vault for one command; the queue is drained by the caller.

    The embedder is lazy: a command that never embeds (list, get, stats, keys,
    or one that stops at bad input) never loads the model.
    """
    from memvault.service.container import open_vault

    settings = settings_for(args)
    passphrase = passphrase if passphrase is not None else read_passphrase(args)
    services = open_vault(settings, passphrase, lazy_embedder(settings), background=False)
    # A command's first write checks every page (~3 ms a MB): on a damaged vault it writes nothing and
    # points to `memvault check`. The server and the app, which run for long, do not pay for it each time.
    services.verify_pages_before_writing()
    try:
        yield services
    finally:
        services.close()


#: Entity jobs one command works before it answers (~1 ms each, after ~0.8 s to load the pipeline once).
ENTITY_JOBS_PER_COMMAND = 2_000


def settle_entities(svc) -> int:
    """Extract the entities stored memories wait for, up to :data:`ENTITY_JOBS_PER_COMMAND`; returns how many
    still wait. The app and `memvault serve` extract in the background; a vault only the CLI used had none, so
    its searches knew no people and ranked otherwise than the same vault's after a server had run."""
    if svc.entities.unavailable is not None or not svc.entities.queue_depth():
        return 0
    svc.entities.drain(limit=ENTITY_JOBS_PER_COMMAND)
    return svc.entities.queue_depth()


def csv_list(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in value.split(",") if t.strip()) if value else ()


def json_object(value: str | None, name: str) -> dict | None:
    if value is None:
        return None
    from memvault.service import validation as v

    try:
        obj = v.loads_strict(value, field=name)  # as the API reads JSON: depth, NaN and giant numbers refused
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name} is not valid JSON: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{name} must be a JSON object")
    return obj


def memory_filter(args: argparse.Namespace, *, search: bool = False) -> MemoryFilter:
    """The filter the options describe, checked before any vault is opened."""
    from memvault.service import validation as v

    if args.all_namespaces and args.namespace is not None:
        raise InvalidInput("--all-namespaces and --namespace ask for different things: give one of them")
    namespace = None if args.all_namespaces else v.namespace(args.namespace or limits.DEFAULT_NAMESPACE)
    if args.min_importance is not None:
        v.unit_float(args.min_importance, "--min-importance")
    return MemoryFilter(
        namespace=namespace,
        agent_id=args.agent, user_id=args.user, session_id=args.session, project=args.project,
        memory_types=tuple(MemoryType(t) for t in args.type or ()),
        tags=v.tags(csv_list(args.tags)), tag_match=TagMatch(args.tag_match),
        tier=Tier(args.tier) if args.tier else None, min_importance=args.min_importance,
        created_after=args.created_after, created_before=args.created_before,
        metadata=json_object(args.metadata, "--metadata") or {},
        include_expired=getattr(args, "include_expired", False),
        include_deleted=getattr(args, "include_deleted", False),
        only_deleted=getattr(args, "trash", False),
        include_archived=args.include_archived,
        include_confidential=args.include_confidential if search else True,
        changed_by=_person_id(getattr(args, "changed_by", None)),
    )


def _person_id(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if not 8 <= len(text) <= 32 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInput("--changed-by takes a person id, or its first 8 or more characters as `memvault share "
                           "list` shows them")
    return text


@contextlib.contextmanager
def reported_in_result(*loggers: str) -> Iterator[None]:
    """While a command whose result lists its problems runs, ``loggers``' warnings stay off the console: they
    name the same problems, and would say each twice."""
    quieted = [logging.getLogger(name) for name in loggers]
    levels = [logger.level for logger in quieted]
    for logger in quieted:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(quieted, levels):
            logger.setLevel(level)
