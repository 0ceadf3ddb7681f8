"""A shared namespace's membership: signed entries, folded in one order by every member.

Each change of membership is one entry, written create-only under its own
digest (``<share>/roster/<sha256>``) and kept by every member that read it (so
the target cannot undo one by deleting it)::

    file   = {"v": 2, "doc": <document text>, "sig": Ed25519 of the signer over "memvault-share-roster\\0" + doc}
    doc    = {"share", "at": HLC stamp, "key": signer's mvperson1 key, "gen": a new key generation or null,
              "parents": sorted digests of the heads its signer had folded,
              "grants": {gen: {person id: X25519 stanza (share protocol) of that generation's key}},
              "sealed": {"gen", "data": AES-GCM under that generation, AD = share/gen/at}}
    sealed = {"op": "create"|"add"|"role"|"remove"|"rotate"|"grant", "person": mvperson1 key, "role",
              "namespace" (create), "name" (add: a label for the person),
              "writes" (remove, and a role that takes the write role: {device: [seq, digest]})}

Format 1 (``"v": 1``, no ``parents``) is still read. Every member folds every
entry it holds in one order, parents before children and otherwise by ``(at,
digest)`` (:mod:`memvault.sharing.causal`): the same set of entries gives every
member the same membership, whatever order they arrived in, so two admins
changing membership at once converge. An entry counts only when its signature
verifies and its signer may make it at that point of the fold: ``create`` by
the person the invitation names (the anchor), ``add``, ``role``, ``remove`` and
``rotate`` by an admin, ``grant`` by any member; a removal (or demotion) is
judged in its own causal past, and wins over its target's entries it did not
know of. Anything else is refused and reported; its grants are never used.

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
import re
from typing import Any

from memvault.crypto import aead, recipients, signing
from memvault.crypto.digest import random_bytes
from memvault.domain.errors import DamagedData, DecryptionFailed, InvalidInput
from memvault.sharing import causal, rules
from memvault.sharing.person import PersonIdentity, PersonKey
from memvault.sharing.rules import WRITE_ROLES, Entry, Member, Roster  # noqa: F401 (callers use rosters.Member)


#: Format 2 adds ``parents`` to the signed document; format 1 (no parents) is still read.
VERSION = 2
VERSIONS = (1, 2)
#: The sealed body's own format (its associated data), unchanged since format 1.
_SEALED_VERSION = 1
ROLES = rules.ROLES
_SIGNED = b"memvault-share-roster\x00"
_SEALED_CONTEXT = b"share-roster-v1"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _parse(data: bytes, share: str) -> Entry:
    try:
        outer = json.loads(data)
        version = outer.get("v")
        if version not in VERSIONS:
            raise ValueError
        text = str(outer["doc"]).encode("utf-8")
        doc = json.loads(text)
        signer = PersonKey.from_text(doc["key"])
        signature = bytes.fromhex(outer["sig"])
        for name, kind in (("share", str), ("at", str), ("grants", dict), ("sealed", dict)):
            if not isinstance(doc[name], kind):
                raise ValueError
        parents = None
        if version == 2:
            # The file is exactly what a writer makes (so one signed document has one name), and its parents
            # are signed: neither the target nor anyone else can move an entry in the causal order.
            parents = tuple(doc["parents"])
            if data != _file(2, outer["doc"], outer["sig"]) or not all(
                    isinstance(p, str) and _DIGEST.match(p) for p in parents) or list(parents) != sorted(set(parents)):
                raise ValueError
        elif "parents" in doc:
            raise ValueError  # a format-2 document wrapped as format 1 (to drop its place in the order)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidInput):
        raise DamagedData("a membership entry on the target is damaged or was written by something else") from None
    if doc["share"] != share:
        raise DamagedData("a membership entry names another shared namespace (moved on the target)")
    if not signing.verify(signer.sign, _SIGNED + text, signature):
        raise DamagedData("a membership entry's signature does not verify (forged or altered on the target)")
    return Entry(signing.digest(data), doc, signer, parents)


def _file(version: int, text: str, sig: str) -> bytes:
    return json.dumps({"v": version, "doc": text, "sig": sig}).encode()


def entry_digest(data: bytes) -> str:
    return signing.digest(data)


def verifies(data: bytes, share: str) -> bool:
    """Whether ``data`` is an entry of ``share`` whose signature verifies (whoever signed it)."""
    try:
        _parse(data, share)
    except DamagedData:
        return False
    return True


def _stanzas_for(entry: Entry, person: str) -> dict[int, bytes]:
    found = {}
    for gen, by in entry.doc["grants"].items():
        stanza = by.get(person) if isinstance(by, dict) else None
        if isinstance(stanza, str):
            try:
                found[int(gen)] = base64.b64decode(stanza)
            except ValueError:
                continue
    return found


def _open(entry: Entry, share: str, candidates: dict[int, list[bytes]]) -> dict[str, Any] | None:
    try:
        gen = int(entry.doc["sealed"]["gen"])
        data = base64.b64decode(entry.doc["sealed"]["data"])
    except (ValueError, KeyError, TypeError):
        return None
    for key in candidates.get(gen, []):
        try:
            body = json.loads(aead.open_sealed(key, data, context=_SEALED_CONTEXT, version=_SEALED_VERSION,
                                               aad=f"{share}/{gen}/{entry.doc['at']}".encode()))
        except (DecryptionFailed, DamagedData, ValueError):
            continue
        return body if isinstance(body, dict) else None
    return None


def fold(entries: dict[str, bytes], share: str, anchor: str, me: PersonIdentity) -> Roster:
    """The roster that ``entries`` (by digest) make, as seen by ``me``; ``anchor`` is the creator's person id."""
    problems: list[str] = []
    parsed: list[Entry] = []
    for name, data in entries.items():
        try:
            entry = _parse(data, share)
        except DamagedData as exc:
            problems.append(f"refused membership entry {name[:12]}: {exc.message}")
            continue
        if entry.digest != name:
            problems.append(f"refused membership entry {name[:12]}: its name is not its digest (renamed)")
            continue
        parsed.append(entry)
    ordered = causal.order(parsed)
    # Keys from any signed entry may open sealed bodies (authenticity comes from the signature and the fold);
    # only keys granted by entries the fold accepts are used for data.
    candidates: dict[int, list[bytes]] = {}
    offered: dict[str, dict[int, bytes]] = {}
    for entry in ordered:
        for gen, stanza in _stanzas_for(entry, me.person_id).items():
            try:
                key = me.unwrap(stanza)
            except (DecryptionFailed, DamagedData):
                continue
            offered.setdefault(entry.digest, {})[gen] = key
            candidates.setdefault(gen, []).append(key)
    bodies = [_open(entry, share, candidates) for entry in ordered]
    roster = causal.Resolver(share, anchor, ordered, bodies).run((1 << len(ordered)) - 1, main=True)
    roster.problems[:0] = problems
    by = {e.digest: e for e in ordered}
    for digest in roster.accepted:
        for gen, granted in by[digest].doc["grants"].items():
            if isinstance(granted, dict):
                roster.granted.setdefault(int(gen), set()).update(granted)
        roster.keys.update(offered.get(digest, {}))
    # Heads of what this member's fold accepted: a parents list says which roster its writer had (anything signed
    # but refused, such as entries planted on the target, is not named and cannot bloat it).
    roster.heads = causal.heads([by[d] for d in roster.accepted])
    return roster


# -- writing entries ------------------------------------------------------------------------------------------------

def new_generation() -> tuple[int, bytes]:
    """A new generation: a random 48-bit number (the segment header's ``key``) and its 32-byte key."""
    return int.from_bytes(random_bytes(6), "big") or 1, random_bytes(32)


def wrap(key: bytes, person: PersonKey) -> str:
    return base64.b64encode(recipients.wrap_for_recipient(key, person.wrap, protocol=recipients.SHARE)).decode()


def make_entry(share: str, at: str, me: PersonIdentity, body: dict[str, Any], *, sealed_gen: int, sealed_key: bytes,
               grants: dict[int, dict[str, str]] | None = None, gen: int | None = None,
               parents: list[str] | None = None) -> bytes:
    """One signed entry (its name on the target is :func:`entry_digest` of the result). ``parents`` are the heads
    its writer had folded; ``None`` writes format 1 (no parents), which only tests of older vaults make."""
    sealed = aead.seal(sealed_key, json.dumps(body, sort_keys=True).encode(), context=_SEALED_CONTEXT,
                       version=_SEALED_VERSION, aad=f"{share}/{sealed_gen}/{at}".encode())
    doc = {"share": share, "at": at, "key": me.key.text, "gen": gen,
           "grants": {str(g): by for g, by in (grants or {}).items()},
           "sealed": {"gen": sealed_gen, "data": base64.b64encode(sealed).decode()}}
    if parents is not None:
        doc["parents"] = sorted(set(parents))
    text = json.dumps(doc, sort_keys=True)
    return _file(1 if parents is None else VERSION, text, me.sign(_SIGNED + text.encode()).hex())


def create(share: str, at: str, me: PersonIdentity, namespace: str, name: str | None = None) -> bytes:
    gen, key = new_generation()
    return make_entry(share, at, me, {"op": "create", "namespace": namespace, "name": name}, sealed_gen=gen,
                      sealed_key=key, grants={gen: {me.person_id: wrap(key, me.key)}}, gen=gen, parents=[])


def add(roster: Roster, at: str, me: PersonIdentity, person: PersonKey, role: str, name: str | None = None,
        writes: dict[str, list[Any]] | None = None) -> bytes:
    """Add ``person`` (or change their role): they receive every generation this member holds. ``writes``: the
    chain link of each of their devices this member has read, vouched for when this takes their write role."""
    if role not in ROLES:
        raise InvalidInput(f"a role is one of {', '.join(ROLES)}", field="role")
    op = "role" if person.person_id in roster.members else "add"
    grants = {g: {person.person_id: wrap(k, person)} for g, k in roster.keys.items()}
    body = {"op": op, "person": person.text, "role": role, "name": name}
    if op == "role" and role not in WRITE_ROLES and roster.role_of(person.person_id) in WRITE_ROLES:
        body["writes"] = writes or {}
    return _entry(roster, at, me, body, grants)


def remove(roster: Roster, at: str, me: PersonIdentity, person: PersonKey,
           writes: dict[str, list[Any]] | None = None) -> bytes:
    """Remove ``person``: a new generation wrapped only to the members that remain. ``writes`` (device: chain
    link of the last segment of theirs this member had read) is what every reader accepts of them afterwards."""
    gen, key = new_generation()
    grants = {gen: {p: wrap(key, m.key) for p, m in roster.members.items() if p != person.person_id}}
    return _entry(roster, at, me, {"op": "remove", "person": person.text, "writes": writes or {}}, grants, gen)


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
                      grants=grants, gen=gen, parents=roster.heads)
