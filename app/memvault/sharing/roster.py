"""A shared namespace's membership: signed entries, folded in one order by every member.

Each change of membership is one entry, written create-only under its own
digest (``<share>/roster/<sha256>``) and kept by every member that read it (so
the target cannot undo one by deleting it)::

    file   = {"v": 1, "doc": <document text>, "sig": Ed25519 of the signer over "memvault-share-roster\\0" + doc}
    doc    = {"share", "at": HLC stamp, "key": signer's mvperson1 key, "gen": a new key generation or null,
              "grants": {gen: {person id: X25519 stanza (share protocol) of that generation's key}},
              "sealed": {"gen", "data": AES-GCM under that generation, AD = share/gen/at}}
    sealed = {"op": "create"|"add"|"role"|"remove"|"rotate"|"grant", "person": mvperson1 key, "role",
              "namespace" (create), "name" (add: a label for the person)}

Every member folds every entry it holds in the order ``(at, digest)``: the same
set of entries gives every member the same membership, whatever order they
arrived in, so two admins changing membership at once converge. An entry counts
only when its signature verifies and its signer may make it at that point of
the fold: ``create`` by the person the invitation names (the anchor), ``add``,
``role``, ``remove`` and ``rotate`` by an admin, ``grant`` by any member.
Anything else is refused and reported; its grants are never used.

``remove`` and ``rotate`` start a generation wrapped only to the members that
remain. When concurrent entries leave the current generation granted to
someone who is no longer a member (an admin rotated without knowing of a
removal), the roster is *tainted*: nobody writes under that generation and the
next admin to sync rotates again. Members that lack the current generation (an
admin added them while another rotated) are granted it by the next member to sync.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from memvault.crypto import aead, recipients, signing
from memvault.crypto.digest import random_bytes
from memvault.domain.errors import DamagedData, DecryptionFailed, InvalidInput
from memvault.sharing.person import PersonIdentity, PersonKey

VERSION = 1
ROLES = ("read", "write", "admin")
_SIGNED = b"memvault-share-roster\x00"
_SEALED_CONTEXT = b"share-roster-v1"


@dataclass(frozen=True)
class Member:
    key: PersonKey
    role: str
    added_by: str
    at: str
    name: str | None = None


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


@dataclass(frozen=True)
class _Entry:
    digest: str
    doc: dict[str, Any]
    signer: PersonKey


def _parse(data: bytes, share: str) -> _Entry:
    try:
        outer = json.loads(data)
        if outer.get("v") != VERSION:
            raise ValueError
        text = str(outer["doc"]).encode("utf-8")
        doc = json.loads(text)
        signer = PersonKey.from_text(doc["key"])
        signature = bytes.fromhex(outer["sig"])
        for name, kind in (("share", str), ("at", str), ("grants", dict), ("sealed", dict)):
            if not isinstance(doc[name], kind):
                raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, InvalidInput):
        raise DamagedData("a membership entry on the target is damaged or was written by something else") from None
    if doc["share"] != share:
        raise DamagedData("a membership entry names another shared namespace (moved on the target)")
    if not signing.verify(signer.sign, _SIGNED + text, signature):
        raise DamagedData("a membership entry's signature does not verify (forged or altered on the target)")
    return _Entry(signing.digest(data), doc, signer)


def entry_digest(data: bytes) -> str:
    return signing.digest(data)


def verifies(data: bytes, share: str) -> bool:
    """Whether ``data`` is an entry of ``share`` whose signature verifies (whoever signed it)."""
    try:
        _parse(data, share)
    except DamagedData:
        return False
    return True


def _stanzas_for(entry: _Entry, person: str) -> dict[int, bytes]:
    found = {}
    for gen, by in entry.doc["grants"].items():
        stanza = by.get(person) if isinstance(by, dict) else None
        if isinstance(stanza, str):
            try:
                found[int(gen)] = base64.b64decode(stanza)
            except ValueError:
                continue
    return found


def _open(entry: _Entry, share: str, candidates: dict[int, list[bytes]]) -> dict[str, Any] | None:
    try:
        gen = int(entry.doc["sealed"]["gen"])
        data = base64.b64decode(entry.doc["sealed"]["data"])
    except (ValueError, KeyError, TypeError):
        return None
    for key in candidates.get(gen, []):
        try:
            body = json.loads(aead.open_sealed(key, data, context=_SEALED_CONTEXT, version=VERSION,
                                               aad=f"{share}/{gen}/{entry.doc['at']}".encode()))
        except (DecryptionFailed, DamagedData, ValueError):
            continue
        return body if isinstance(body, dict) else None
    return None


def fold(entries: dict[str, bytes], share: str, anchor: str, me: PersonIdentity) -> Roster:
    """The roster that ``entries`` (by digest) make, as seen by ``me``; ``anchor`` is the creator's person id."""
    roster = Roster(share)
    parsed: list[_Entry] = []
    for name, data in entries.items():
        try:
            entry = _parse(data, share)
        except DamagedData as exc:
            roster.problems.append(f"refused membership entry {name[:12]}: {exc.message}")
            continue
        if entry.digest != name:
            roster.problems.append(f"refused membership entry {name[:12]}: its name is not its digest (renamed)")
            continue
        parsed.append(entry)
    parsed.sort(key=lambda e: (e.doc["at"], e.digest))
    # Keys from any signed entry may open sealed bodies (authenticity comes from the signature and the fold);
    # only keys granted by entries the fold accepts are used for data.
    candidates: dict[int, list[bytes]] = {}
    offered: dict[str, dict[int, bytes]] = {}
    for entry in parsed:
        for gen, stanza in _stanzas_for(entry, me.person_id).items():
            try:
                key = me.unwrap(stanza)
            except (DecryptionFailed, DamagedData):
                continue
            offered.setdefault(entry.digest, {})[gen] = key
            candidates.setdefault(gen, []).append(key)
    for entry in parsed:
        body = _open(entry, share, candidates)
        if body is None:
            roster.unreadable += 1
            continue
        why = _apply(roster, entry, body, anchor)
        if why is not None:
            roster.problems.append(f"refused membership entry {entry.digest[:12]} by {entry.signer.person_id[:8]}: "
                                   f"{why}")
            continue
        roster.accepted.append(entry.digest)
        for gen, by in entry.doc["grants"].items():
            if isinstance(by, dict):
                roster.granted.setdefault(int(gen), set()).update(by)
        roster.keys.update(offered.get(entry.digest, {}))
    return roster


def _apply(roster: Roster, entry: _Entry, body: dict[str, Any], anchor: str) -> str | None:
    """Apply one readable entry; why it is refused, or ``None``."""
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
        roster.members[signer] = Member(entry.signer, "admin", signer, entry.doc["at"], body.get("name"))
        roster.current = new_gen
        return None
    if roster.namespace is None:
        return "it comes before the namespace was created"
    role = roster.role_of(signer)
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
    try:
        person = PersonKey.from_text(body.get("person", ""))
    except InvalidInput:
        return "it names no person"
    pid = person.person_id
    admins = [p for p, m in roster.members.items() if m.role == "admin"]
    if op in ("add", "role"):
        if body.get("role") not in ROLES:
            return "it names no role"
        if op == "role" and pid not in roster.members:
            return "it changes the role of someone who is not a member"
        if body["role"] != "admin" and admins == [pid]:
            return "it would leave the namespace without an admin"
        old = roster.members.get(pid)
        roster.members[pid] = Member(person, body["role"], old.added_by if old else signer,
                                     old.at if old else entry.doc["at"], body.get("name") or (old.name if old else None))
        roster.removed.pop(pid, None)
        return None
    if op == "remove":
        if pid not in roster.members:
            return "it removes someone who is not a member"
        if admins == [pid]:
            return "it would remove the last admin"
        if not isinstance(new_gen, int):
            return "it starts no key generation"
        del roster.members[pid]
        roster.removed[pid] = person
        roster.current = new_gen
        return None
    return f"unknown change {op!r}"


# -- writing entries ------------------------------------------------------------------------------------------------

def new_generation() -> tuple[int, bytes]:
    """A new generation: a random 48-bit number (the segment header's ``key``) and its 32-byte key."""
    return int.from_bytes(random_bytes(6), "big") or 1, random_bytes(32)


def wrap(key: bytes, person: PersonKey) -> str:
    return base64.b64encode(recipients.wrap_for_recipient(key, person.wrap, protocol=recipients.SHARE)).decode()


def make_entry(share: str, at: str, me: PersonIdentity, body: dict[str, Any], *, sealed_gen: int, sealed_key: bytes,
               grants: dict[int, dict[str, str]] | None = None, gen: int | None = None) -> bytes:
    """One signed entry (its name on the target is :func:`entry_digest` of the result)."""
    sealed = aead.seal(sealed_key, json.dumps(body, sort_keys=True).encode(), context=_SEALED_CONTEXT,
                       version=VERSION, aad=f"{share}/{sealed_gen}/{at}".encode())
    doc = {"share": share, "at": at, "key": me.key.text, "gen": gen,
           "grants": {str(g): by for g, by in (grants or {}).items()},
           "sealed": {"gen": sealed_gen, "data": base64.b64encode(sealed).decode()}}
    text = json.dumps(doc, sort_keys=True)
    return json.dumps({"v": VERSION, "doc": text, "sig": me.sign(_SIGNED + text.encode()).hex()}).encode()


def create(share: str, at: str, me: PersonIdentity, namespace: str, name: str | None = None) -> bytes:
    gen, key = new_generation()
    return make_entry(share, at, me, {"op": "create", "namespace": namespace, "name": name}, sealed_gen=gen,
                      sealed_key=key, grants={gen: {me.person_id: wrap(key, me.key)}}, gen=gen)


def add(roster: Roster, at: str, me: PersonIdentity, person: PersonKey, role: str, name: str | None = None) -> bytes:
    """Add ``person`` (or change their role): they receive every generation this member holds."""
    if role not in ROLES:
        raise InvalidInput(f"a role is one of {', '.join(ROLES)}", field="role")
    op = "role" if person.person_id in roster.members else "add"
    grants = {g: {person.person_id: wrap(k, person)} for g, k in roster.keys.items()}
    return _entry(roster, at, me, {"op": op, "person": person.text, "role": role, "name": name}, grants)


def remove(roster: Roster, at: str, me: PersonIdentity, person: PersonKey) -> bytes:
    """Remove ``person``: a new generation wrapped only to the members that remain."""
    gen, key = new_generation()
    grants = {gen: {p: wrap(key, m.key) for p, m in roster.members.items() if p != person.person_id}}
    return _entry(roster, at, me, {"op": "remove", "person": person.text}, grants, gen)


def rotate(roster: Roster, at: str, me: PersonIdentity) -> bytes:
    gen, key = new_generation()
    grants = {gen: {p: wrap(key, m.key) for p, m in roster.members.items()}}
    return _entry(roster, at, me, {"op": "rotate"}, grants, gen)


def grant_missing(roster: Roster, at: str, me: PersonIdentity) -> bytes:
    """Grant the current generation to the members that lack it."""
    assert roster.current is not None
    key = roster.keys[roster.current]
    grants = {roster.current: {p: wrap(key, roster.members[p].key) for p in roster.missing()}}
    return _entry(roster, at, me, {"op": "grant"}, grants)


def _entry(roster: Roster, at: str, me: PersonIdentity, body: dict[str, Any], grants: dict[int, dict[str, str]],
           gen: int | None = None) -> bytes:
    if roster.current is None or roster.current not in roster.keys:
        raise DamagedData("this member does not hold the namespace's current key")
    return make_entry(roster.share, at, me, body, sealed_gen=roster.current, sealed_key=roster.keys[roster.current],
                      grants=grants, gen=gen)
