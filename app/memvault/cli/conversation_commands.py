"""``memvault ingest-chat FILE``: a conversation (a JSON list of messages) in, facts about its people out."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from memvault.cli.common import opened, out, read_stdin_text
from memvault.cli.parser import Command
from memvault.domain import limits
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.errors import ExtractionFailed, InvalidInput
from memvault.domain.words import plural
from memvault.service import validation as v


def _read_messages(path: str) -> tuple[ChatMessage, ...]:
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad writes one) is no part of the JSON.
        raw = read_stdin_text().lstrip("\ufeff") if path == "-" else Path(path).read_text("utf-8-sig")
        doc = v.loads_strict(raw, field=path)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc.__class__.__name__}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not JSON: it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:  # where, as an editor shows it
        raise InvalidInput(f"{path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if isinstance(doc, dict) and "messages" in doc:
        doc = doc["messages"]
    if not isinstance(doc, list) or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            and isinstance(m.get("name", ""), str) for m in doc):
        raise InvalidInput(f'{path} must hold a JSON list of messages, each {{"role": ..., "content": ...}} '
                           '(and optionally "name": the speaker\'s display name)')
    return tuple(ChatMessage(m["role"], m["content"], m.get("name")) for m in doc)


def _when(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--at must be an ISO date or date and time (got {value!r})") from None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


def cmd_ingest_chat(args: argparse.Namespace) -> int:
    submission = ConversationSubmission(
        messages=_read_messages(args.file), namespace=v.namespace(args.namespace),
        conversation_id=args.conversation_id, occurred_at=_when(args.at), agent_id=args.agent, user_id=args.user,
        user_name=args.user_name, source="cli")
    with opened(args) as svc:
        job = svc.conversations.ingest(submission)
        if job.result is None:
            raise ExtractionFailed(f"extraction did not finish ({job.status.value}): {job.error or 'unknown'}")
        if job.result["facts"] and not args.no_wait:
            # Only these facts: a backlog left by other runs is the background worker's.
            svc.embed_facts_now(job.result["facts"])
    result = job.result
    lines = [(f"{plural(result['memories_extracted'], 'fact')} stored from "
              f"{plural(len(submission.messages), 'message')} in {result['processing_time_ms']:.0f} ms (job {job.id})")]
    if result.get("user_name_source") in ("conversation", "person"):
        where = "the chat" if result["user_name_source"] == "conversation" else "their earlier facts"
        lines.append(f"  the user is {result['user_name']} (read from {where})")
    lines += [f"  + [{f['kind']}] {f['content']}  ({', '.join(f['categories']) or 'no category'})"
              for f in result["facts"]]
    lines += [f"  = duplicate of {d['duplicate_of']}: {d['content']}" for d in result["duplicates"]]
    lines += [f"  ~ {s['id']} superseded by {s['superseded_by']}" for s in result["superseded"]]
    lines += [f"  ! message {n['message_index'] + 1} gave no facts: {n['reason']}" for n in result["not_read"]]
    out(args, {"job_id": job.id, **result}, "\n".join(lines))
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        people = svc.conversations.people(args.namespace)
    rows = [{"namespace": p.namespace, "person_id": p.person_id, "name": p.name, "facts": p.facts,
             "last_seen": p.last_seen} for p in people]
    lines = [f"{p.namespace:16} {p.name or p.person_id or '(the user, unnamed)':30} {p.facts:6d} facts, last "
             f"{dt.datetime.fromtimestamp(p.last_seen, dt.UTC):%Y-%m-%d %H:%M} UTC"
             + (f"  [{p.person_id}]" if p.name and p.person_id != p.name else "") for p in people]
    out(args, {"people": rows}, "\n".join(lines) or "no facts about anyone yet")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("ingest-chat", "extract facts about the user from a conversation and store them", cmd_ingest_chat,
                passphrase=True, json=True)
    p.add_argument("file", metavar="FILE",
                   help='a JSON list of messages [{"role": "user", "content": "..."}, ...] ("-": standard input)')
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE, help="store the facts in this namespace")
    p.add_argument("--conversation-id", metavar="ID", help="the thread's id, kept as provenance (default: a new id)")
    p.add_argument("--at", metavar="WHEN", help="when the conversation took place, ISO 8601 (default: now); "
                                                "'last week' resolves against it; over an hour back, the facts are "
                                                "dated by it")
    p.add_argument("--agent", metavar="ID", help="agent_id of the stored facts")
    p.add_argument("--user", metavar="ID", help="user_id of the stored facts")
    p.add_argument("--user-name", metavar="NAME", help="the user's display name: facts name them instead of "
                                                       "'the user' (a message's own \"name\" names its speaker)")
    p.add_argument("--no-wait", action="store_true", help="do not embed the facts now (the app embeds them later)")
    p = command("people", "the people whose facts a namespace holds (name or id, facts, last seen)", cmd_people,
                passphrase=True, json=True)
    p.add_argument("--namespace", "-n", help="only this namespace (default: every namespace)")
