"""What one membership entry does to a roster, and who may make it (the fold's order is in ``causal``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from memvault.domain.errors import InvalidInput
from memvault.sharing.person import PersonKey
from memvault.sync.targets.base import ID

ROLES = ("read", "write", "admin")
WRITE_ROLES = ("write", "admin")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
#: Changes only an admin may make (``grant`` is any member's).
ADMIN_OPS = ("create", "add", "role", "remove", "rotate")


@dataclass(frozen=True)
class Member:
    key: PersonKey
    role: str
    added_by: str
    at: str
    name: str | None = None
    #: Seniority: the fold position of the entry that made this member an admin (lower is senior; the creator
    #: first). Only used to break a cycle of concurrent removals (two admins removing each other).
    since: int = 0


@dataclass(frozen=True)
class Vouched:
    """How far a person who lost the write role (removed, or made a reader) had written, as the entry that took it
    says: per device, the chain link ``(seq, digest)`` of the last segment its signer had read. A segment's place
    in its device's hash chain is fixed when it is written, so the ones up to that link existed before the entry
    did; anything later is not theirs to write. ``writes`` is ``None`` when the entry does not say (an older
    Memvault wrote it)."""

    role: str  # the role they wrote those segments under
    writes: dict[str, tuple[int, str]] | None


@dataclass
class Roster:
    """What the entries say: members, removals, key generations, and what this member may use."""

    share: str
    namespace: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    removed: dict[str, PersonKey] = field(default_factory=dict)
    current: int | None = None
    keys: dict[int, bytes] = field(default_factory=dict)
    granted: dict[int, set[str]] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreadable: int = 0
    #: Accepted entries no other accepted entry names as a parent: the ``parents`` of the next entry this member writes.
    heads: list[str] = field(default_factory=list)
    #: People who lost the write role (removed or made readers) and what they wrote before, by person id.
    vouched: dict[str, Vouched] = field(default_factory=dict)

    @property
    def tainted(self) -> bool:
        """The current generation was granted to someone who is no longer a member."""
        return self.current is not None and bool(self.granted.get(self.current, set()) - set(self.members))

    def missing(self) -> list[str]:
        """Members without a grant of the current generation."""
        have = self.granted.get(self.current, set()) if self.current is not None else set()
        return sorted(set(self.members) - have)

    def role_of(self, person: str) -> str | None:
        member = self.members.get(person)
        return member.role if member else None

    def signing_key(self, person: str) -> bytes | None:
        """The signing key of a member (``None`` for a removed or unknown person)."""
        member = self.members.get(person)
        return member.key.sign if member else None

    def known_key(self, person: str) -> PersonKey | None:
        member = self.members.get(person)
        return member.key if member else self.removed.get(person)

    def copy(self) -> Roster:
        return Roster(self.share, self.namespace, dict(self.members), dict(self.removed), self.current,
                      vouched=dict(self.vouched))


@dataclass(frozen=True)
class Entry:
    digest: str
    doc: dict[str, Any]
    signer: PersonKey
    #: The digests it names as parents; ``None`` for a format-1 entry (written before entries had parents).
    parents: tuple[str, ...] | None = None


def target(body: dict[str, Any]) -> PersonKey | None:
    """The person an ``add``, ``role`` or ``remove`` names."""
    person = body.get("person")
    return _person(person) if isinstance(person, str) else None


@lru_cache(maxsize=4096)
def _person(text: str) -> PersonKey | None:
    # Cached: a fold judges removals in their own causal past, so it reads the same entry several times.
    try:
        return PersonKey.from_text(text)
    except InvalidInput:
        return None


def writes(body: dict[str, Any]) -> dict[str, tuple[int, str]] | None:
    """The chain links a ``remove`` or a demoting ``role`` vouches for (malformed ones are left out)."""
    found = body.get("writes")
    if not isinstance(found, dict):
        return None
    return {d: (link[0], link[1]) for d, link in found.items()
            if isinstance(d, str) and ID.match(d) and isinstance(link, list) and len(link) == 2
            and type(link[0]) is int and link[0] > 0 and isinstance(link[1], str) and _DIGEST.match(link[1])}


def apply(roster: Roster, entry: Entry, body: dict[str, Any], anchor: str, position: int,
          trusted: bool = False) -> str | None:
    """Apply one readable entry at ``position`` of the fold; why it is refused, or ``None``. ``trusted``: the
    signer's authority was already decided (a removal judged in its own causal past)."""
    op, signer = body.get("op"), entry.signer.person_id
    new_gen = entry.doc.get("gen")
    if op == "create":
        if roster.namespace is not None:
            return "the namespace was already created"
        if signer != anchor:
            return "it was not created by the person who invited this member"
        if not isinstance(body.get("namespace"), str) or not isinstance(new_gen, int):
            return "it has no namespace or key generation"
        roster.namespace = body["namespace"]
        roster.members[signer] = Member(entry.signer, "admin", signer, entry.doc["at"], body.get("name"), position)
        roster.current = new_gen
        return None
    if roster.namespace is None:
        return "it comes before the namespace was created"
    role = roster.role_of(signer)
    if not trusted:
        if role is None:
            return "its signer is not a member"
        if op == "grant":
            return None
        if role != "admin":
            return f"its signer is a {role} member, not an admin"
    if op == "rotate":
        if not isinstance(new_gen, int):
            return "it starts no key generation"
        roster.current = new_gen
        return None
    person = target(body)
    if person is None:
        return "it names no person"
    pid = person.person_id
    old = roster.members.get(pid)
    last = old is not None and old.role == "admin" and not any(
        m.role == "admin" for p, m in roster.members.items() if p != pid)
    if op in ("add", "role"):
        if body.get("role") not in ROLES:
            return "it names no role"
        if op == "role" and old is None:
            return "it changes the role of someone who is not a member"
        if body["role"] != "admin" and last:
            return "it would leave the namespace without an admin"
        since = old.since if old and old.role == "admin" else position
        name = body.get("name") or (old.name if old else None)
        roster.members[pid] = Member(person, body["role"], old.added_by if old else signer,
                                     old.at if old else entry.doc["at"], name, since)
        roster.removed.pop(pid, None)
        if body["role"] in WRITE_ROLES:
            roster.vouched.pop(pid, None)  # their whole chain counts again, as it did before
        elif old is not None and old.role in WRITE_ROLES:
            roster.vouched[pid] = Vouched(old.role, writes(body))
        return None
    if op == "remove":
        if old is None:
            return "it removes someone who is not a member"
        if last:
            return "it would remove the last admin"
        if not isinstance(new_gen, int):
            return "it starts no key generation"
        del roster.members[pid]
        roster.removed[pid] = person
        if old.role in WRITE_ROLES or pid not in roster.vouched:
            # A reader removed keeps what was vouched when it lost the write role (it wrote nothing since).
            roster.vouched[pid] = Vouched(old.role, writes(body))
        roster.current = new_gen
        return None
    return f"unknown change {op!r}"
