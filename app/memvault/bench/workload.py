"""Realistic generated memories and queries for benchmarks.

Sentences are assembled from templates of the kinds of things agents store
(preferences, meetings, decisions, facts about code and people), so that
lengths, vocabulary and near-duplicates look like a real vault.
"""

from __future__ import annotations

import random

from memvault.domain.enums import MemoryType

_PEOPLE = ["Dana", "Ravi", "Mei", "Jonas", "Amara", "Luis", "Sofia", "Kenji", "Olu", "Priya", "Tomás", "Ines"]
_TOOLS = ["PostgreSQL", "Redis", "Kubernetes", "React", "Rust", "FastAPI", "Terraform", "Grafana", "Kafka",
          "SQLite", "Django", "Vue", "Go", "Airflow", "Snowflake", "Figma", "Jira", "Notion"]
_TOPICS = ["the billing service", "the onboarding flow", "quarterly planning", "the mobile release",
           "the data pipeline", "search relevance", "the pricing page", "customer churn", "the design system",
           "incident response", "the API gateway", "hiring for the platform team", "the security audit"]
_PREFS = ["dark mode", "short answers", "metric units", "British spelling", "tabs over spaces",
          "morning meetings", "bullet-point summaries", "vim keybindings", "weekly reports on Fridays",
          "email over chat", "type hints everywhere", "a 24-hour clock"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October"]
_FILLER = [
    "This came up again in the retro and nobody objected.",
    "The user repeated this twice, so it is probably important.",
    "Keep this in mind when drafting the next status update.",
    "It was decided after a long discussion about trade-offs in cost and latency.",
    "Several customers reported the same thing during the last support rotation, and the team agreed "
    "to look into it before the next release rather than patching it in a hurry.",
]

_TEMPLATES: list[tuple[MemoryType, str]] = [
    (MemoryType.PREFERENCE, "The user prefers {pref} in {tool} work."),
    (MemoryType.PREFERENCE, "{person} asked me to always use {pref} when writing about {topic}."),
    (MemoryType.EVENT, "Meeting with {person} on {day} {month} {n} at {h}pm about {topic}."),
    (MemoryType.EVENT, "{person} presented the results on {topic} at the {month} all-hands."),
    (MemoryType.FACT, "{person} owns {topic} and is the main contact for anything touching {tool}."),
    (MemoryType.FACT, "We run {tool} version {n}.{h} in production for {topic}."),
    (MemoryType.TASK, "Follow up with {person} about {topic} before {day}."),
    (MemoryType.TASK, "Migrate {topic} from {tool} to {tool2} by the end of {month}."),
    (MemoryType.INSIGHT, "Latency in {topic} doubled after the {tool} upgrade; rolling back fixed it."),
    (MemoryType.INSIGHT, "Users who finish {topic} in the first week are {n}% more likely to stay."),
    (MemoryType.POLICY, "Never share details of {topic} outside the team without {person}'s approval."),
    (MemoryType.OBSERVATION, "{person} seemed frustrated with {tool} during the {topic} review."),
]


def memory_text(rng: random.Random, seen: set[str] | None = None) -> tuple[MemoryType, str]:
    """One generated memory; with ``seen``, one whose text is not in it (then added to it).

    The templates repeat: 100k free draws hold only ~63k distinct texts, up to 40 copies of one, and
    copies have equal distances to every query, so "the" exact top 10 among them is arbitrary and a
    recall measured against it counts coin flips as misses. A vault's user would not store one sentence
    40 times either; the bench draws distinct texts (near-duplicates that differ in a word remain).
    """
    while True:
        kind, text = _draw(rng)
        if seen is None or text not in seen:
            break
    if seen is not None:
        seen.add(text)
    return kind, text


def _draw(rng: random.Random) -> tuple[MemoryType, str]:
    kind, template = rng.choice(_TEMPLATES)
    text = template.format(
        pref=rng.choice(_PREFS), tool=rng.choice(_TOOLS), tool2=rng.choice(_TOOLS), person=rng.choice(_PEOPLE),
        topic=rng.choice(_TOPICS), day=rng.choice(_DAYS), month=rng.choice(_MONTHS), n=rng.randint(1, 28),
        h=rng.randint(1, 9))
    extra = rng.choices([0, 1, 2, 4], weights=[5, 3, 1, 1])[0]
    if extra:
        text += " " + " ".join(rng.choice(_FILLER) for _ in range(extra))
    return kind, text


#: The questions the bench asks: a template and what fills it.
_QUESTIONS: tuple[tuple[str, list[str]], ...] = (
    ("what does the user prefer about {}", _PREFS),
    ("who is responsible for {}", _TOPICS),
    ("meetings with {}", _PEOPLE),
    ("problems after upgrading {}", _TOOLS),
    ("deadlines in {}", _MONTHS),
    ("rules about sharing {}", _TOPICS),
)


def query_text(rng: random.Random) -> str:
    """One of :func:`questions`, drawn at random."""
    # A filler is drawn for every template before one is chosen: the draws earlier bench figures were made with.
    return rng.choice([template.format(rng.choice(fill)) for template, fill in _QUESTIONS])


def questions() -> list[str]:
    """Every distinct question :func:`query_text` draws from, in a fixed order (77): recall is measured over
    each once, where 50 draws repeat some, miss others, and moved the figure by up to 0.01 from one seed to
    the next."""
    return [template.format(item) for template, fill in _QUESTIONS for item in fill]


def mixed_lengths(rng: random.Random, n: int) -> list[str]:
    """Texts from a few words to a few hundred tokens, for embedding throughput."""
    out = []
    for _ in range(n):
        _, text = memory_text(rng)
        reps = rng.choices([1, 2, 4, 8], weights=[5, 2, 2, 1])[0]
        out.append(" ".join([text] * reps) if reps > 1 else text)
    return out
