"""``memvault bench``'s extraction row: fact extraction's turns per second, with and without a caller-given name.

Generated user–assistant chats (templates below, seeded; no data set needed) go through the on-device
extractor as the conversation service sends them (no vault: storing is the ingest rows' business):
**named**, the caller names the user, so extraction alone runs; **unnamed**, the caller names nobody, so
the user's name is read from the chat first (:mod:`memvault.extraction.names`), sharing its parses with
extraction (:class:`~memvault.extraction.facts.TurnDocs`) as the service does. Two of three chats address
the user by name, so the unnamed pass reads one. Every turn counts, assistant turns included (as
``memvault eval --extraction`` counts them); the rounds alternate the two passes and each figure is the
median round's, with the process CPU time per turn beside the wall-clock rate (the two differ on a busy
machine).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence

from memvault.extraction.facts import FactExtractor, Message, TurnDocs

#: Generated chats by default: ~8 turns each; ~4 s of CPU for both passes and all rounds on a 2-core EPYC.
CONVERSATIONS = 48
ROUNDS = 3
NAMES = ["Priya", "Jonas", "Amara", "Luis", "Mei", "Kenji", "Sofia", "Olu"]
_CITIES = ["Lisbon", "Zurich", "Rotterdam", "Tallinn", "Porto", "Oslo", "Coimbra", "Ghent"]
_WORK = ["a bakery", "the port authority", "a bookshop", "the city library", "a bike repair shop", "a school"]
_PETS = ["dog", "cat", "parrot", "rabbit"]
_KIN = ["sister", "brother", "cousin", "dad", "mum"]
_WHEN = ["last week", "yesterday", "in March", "next month", "on Friday", "two weeks ago"]
_USER = [
    "I moved to {city} {when} and I love the old town.",
    "I started a new job at {work} {when}.",
    "My {kin} {other} is visiting me {when}, so I am cleaning the flat.",
    "We adopted a {pet} {when}. Her name is {pet_name}.",
    "I'm vegetarian and I don't drink coffee, tea is my thing.",
    "I run five kilometres every Sunday morning with my {kin}.",
    "Honestly I'm a bit tired today, work has been busy.",
    "I'm flying to {city} {when} for a friend's wedding.",
]
_ASSISTANT = [
    "That sounds like a big change! How are you settling in?",
    "Congratulations, {name}! What will you be doing there?",
    "How lovely. Is {other} staying long?",
    "A {pet}! Pets make a home feel warm. Do you need tips on training?",
    "Noted. Would you like some recipe ideas?",
    "That is a great habit, {name}. Keep it up!",
    "Sorry to hear that. Maybe take a short walk this evening?",
    "Have a wonderful trip. Do you need help packing?",
]


def conversations(count: int, seed: int = 47) -> list[tuple[list[Message], str, dt.datetime]]:
    """``count`` generated chats as ``(messages, the user's name, when)``; two of three address the user."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        name = rng.choice(NAMES)
        slots = {"city": rng.choice(_CITIES), "work": rng.choice(_WORK), "kin": rng.choice(_KIN),
                 "other": rng.choice([x for x in NAMES if x != name]), "pet": rng.choice(_PETS),
                 "pet_name": rng.choice(["Pip", "Luna", "Rex", "Mochi"]), "when": rng.choice(_WHEN), "name": name}
        picks = rng.sample(range(len(_USER)), 4)
        messages: list[Message] = []
        for k in picks:
            slots["when"] = rng.choice(_WHEN)
            reply = _ASSISTANT[k] if n % 3 else _ASSISTANT[k].replace(", {name}", "")
            messages += [Message("user", _USER[k].format(**slots)), Message("assistant", reply.format(**slots))]
        if n % 3 and not any(name in m.content for m in messages):
            messages.append(Message("assistant", f"Talk soon, {name}!"))
        out.append((messages, name, dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC) + dt.timedelta(days=n)))
    return out


def _named(extractor: FactExtractor, chat: Sequence[Message], name: str, when: dt.datetime) -> int:
    """The caller names the user: extraction alone. Returns the facts found."""
    return len(extractor.extract([Message(m.role, m.content, name if m.role == "user" else None) for m in chat],
                                 when))


def _unnamed(extractor: FactExtractor, chat: Sequence[Message], when: dt.datetime) -> tuple[int, bool]:
    """As the service serves a chat whose caller names nobody: read the name, then extract, on shared parses."""
    docs = TurnDocs()
    read = extractor.read_user_name(chat, docs)
    facts = extractor.extract([Message(m.role, m.content, read if m.role == "user" else None) for m in chat], when,
                              docs)
    return len(facts), read is not None


def measure(extractor: FactExtractor, chats: Sequence[tuple[list[Message], str, dt.datetime]],
            rounds: int = ROUNDS) -> dict[str, float]:
    """Turns per second (wall) and CPU ms per turn of the named and unnamed passes over ``chats``."""
    turns = sum(len(c) for c, _, _ in chats)
    passes: dict[str, Callable[[], tuple[int, int]]] = {
        "named": lambda: (sum(_named(extractor, c, name, when) for c, name, when in chats), 0),
        "unnamed": lambda: tuple(map(sum, zip(*(_unnamed(extractor, c, when) for c, _, when in chats)))),
    }
    wall: dict[str, list[float]] = {k: [] for k in passes}
    cpu: dict[str, list[float]] = {k: [] for k in passes}
    found: dict[str, tuple[int, int]] = {}
    for r in range(rounds):
        for label in (("named", "unnamed") if r % 2 == 0 else ("unnamed", "named")):
            started, cpu_started = time.perf_counter(), time.process_time()
            found[label] = passes[label]()
            wall[label].append(time.perf_counter() - started)
            cpu[label].append(time.process_time() - cpu_started)
    out: dict[str, float] = {"conversations": float(len(chats)), "turns": float(turns), "rounds": float(rounds),
                             "facts": float(found["named"][0]), "names_read": float(found["unnamed"][1])}
    for label in passes:
        out[f"{label}_turns_per_s"] = turns / statistics.median(wall[label])
        out[f"{label}_cpu_ms_per_turn"] = statistics.median(cpu[label]) * 1000 / turns
    out["unnamed_cpu_over_named"] = out["unnamed_cpu_ms_per_turn"] / out["named_cpu_ms_per_turn"]
    return out


def run_extraction_speed(count: int = CONVERSATIONS, rounds: int = ROUNDS,
                         extractor: FactExtractor | None = None) -> dict[str, float]:
    """Load the pinned pipeline (unless ``extractor`` is given), warm it up, and measure."""
    if extractor is None:
        from memvault.extraction.nlp import NlpPipeline

        extractor = FactExtractor(NlpPipeline())
    chats = conversations(count)
    # Warm-up: the pipeline and dateparser's language data load on first use, outside the measured time.
    for chat, name, when in chats[:3]:
        _named(extractor, chat, name, when)
        _unnamed(extractor, chat, when)
    return measure(extractor, chats, rounds)


def describe(figures: dict[str, float]) -> str:
    f = figures
    return (f"fact extraction ({f['conversations']:.0f} generated chats, {f['turns']:.0f} turns, median of "
            f"{f['rounds']:.0f} alternating rounds): the caller names the user {f['named_turns_per_s']:.0f} turns/s "
            f"({f['named_cpu_ms_per_turn']:.2f} ms CPU a turn); the name read from the chat "
            f"{f['unnamed_turns_per_s']:.0f} turns/s ({f['unnamed_cpu_ms_per_turn']:.2f} ms CPU a turn, "
            f"{f['unnamed_cpu_over_named']:.2f}x; {f['names_read']:.0f} names read)")
