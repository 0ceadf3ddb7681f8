"""Who belongs to a sync group, and the group's signed key file.

Each device has its own identity, kept inside its vault and made at setup: an
Ed25519 signing key (it signs every file the device writes) and an X25519
sync wrapping key (key generations are granted to it), both separate from the
vault's bundle recipient key.

The key file (``<group>/key``) is one document signed by a member::

    file = {"v": 2, "doc": <document JSON text>, "by": <signer device>, "sig": <Ed25519 hex over the text>}
    doc  = {"group", "serial" (grows with every change), "floor" (the generation made by the latest
            removal or passphrase change), "kdf" (Argon2id parameters), "pass": {gen: wrapped by the
            passphrase, AD = group, generation and the KDF parameters}, "grants": {gen: {device: stanza for
            its sync wrapping key}}, "devices": {device: {"sign", "wrap", "gen", "tag"}}, "removed": [...]}

A device entry is *vouched* when ``tag`` is HMAC(generation ``gen``'s key, group,
device, its two public keys) and ``gen`` is at least ``floor``: only someone who
holds a current generation (a member, or whoever knows the current passphrase)
can vouch. A device accepts a key file only when its signer is a member it
already trusts, or a device vouched under a generation it already held before
reading the file; it adopts grants only from such a file, never a removal
undone nor an older serial (see FORMAT.md, "Threat model").
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from memvault.crypto import aead, recipients, signing
from memvault.crypto.digest import random_bytes
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import DamagedData, DecryptionFailed, SyncError, SyncKeyError
from memvault.sync.targets.base import ID, SMALL_FILE_MAX_BYTES

VERSION = 2
_PASS_CONTEXT = b"sync-key-v2"
_ENROLL = b"memvault-sync-enroll\x00"
_SIGNED = b"memvault-sync-keyfile\x00"
#: The way back for a removed device. Its id is its vault's for good (every change it made is stamped with it), so
#: only a new vault joins: it receives what the group holds, and a bundle carries what only the old vault holds.
REJOIN = ("To sync from here again, make a new vault (`memvault init --vault NEW_FOLDER`) and set sync up in it with "
          "this target (`memvault sync setup --vault NEW_FOLDER …`) and the group's new sync passphrase (set on a "
          "device that still syncs, with `memvault sync passwd`): it receives what the group holds. What only this "
          "vault holds goes over in a bundle: `memvault export NS … -o FILE` here, then `memvault import FILE "
          "--vault NEW_FOLDER`")


@dataclass(frozen=True)
class DeviceIdentity:
    """This device's private keys for sync (kept in the vault's settings, never on the target)."""

    sign_private: bytes
    wrap_private: bytes

    @classmethod
    def new(cls) -> DeviceIdentity:
        return cls(signing.new_private_key(), recipients.generate_key_pair().private)

    @property
    def member(self) -> Member:
        return Member(signing.public_key(self.sign_private),
                      recipients.key_pair_from_private(self.wrap_private).public)

    def encode_local(self) -> str:
        return json.dumps({"sign": self.sign_private.hex(), "wrap": self.wrap_private.hex()})

    @classmethod
    def decode_local(cls, text: str) -> DeviceIdentity:
        doc = json.loads(text)
        return cls(bytes.fromhex(doc["sign"]), bytes.fromhex(doc["wrap"]))


@dataclass(frozen=True)
class Member:
    """A device's public keys as the group knows them."""

    sign: bytes
    wrap: bytes


@dataclass(frozen=True)
class KeyRing:
    """What this device trusts of its group: key generations, members, removals, and the key file it accepted."""

    group: str
    keys: dict[int, bytes]
    removed: tuple[str, ...] = ()
    members: dict[str, Member] = field(default_factory=dict)
    serial: int = 0
    floor: int = 1
    doc: bytes = b""

    @property
    def current(self) -> int:
        return max(self.keys)

    @property
    def key(self) -> bytes:
        return self.keys[self.current]

    def encode_local(self) -> str:
        """The ring as kept inside this device's (encrypted) vault."""
        return json.dumps({"v": VERSION, "group": self.group, "keys": {str(g): k.hex() for g, k in self.keys.items()},
                           "removed": list(self.removed), "serial": self.serial, "floor": self.floor,
                           "members": {d: [m.sign.hex(), m.wrap.hex()] for d, m in self.members.items()},
                           "doc": base64.b64encode(self.doc).decode()})

    @classmethod
    def decode_local(cls, text: str) -> KeyRing:
        doc = json.loads(text)
        if doc.get("v") != VERSION:
            raise SyncKeyError("this vault syncs with sync format 1, which this Memvault no longer reads: run "
                               "`memvault sync off`, then `memvault sync setup` with the same target on every "
                               "device (nothing is lost; see the README, \"Upgrading sync\")")
        return cls(doc["group"], {int(g): bytes.fromhex(k) for g, k in doc["keys"].items()},
                   tuple(doc["removed"]), {d: Member(bytes.fromhex(s), bytes.fromhex(w))
                                           for d, (s, w) in doc["members"].items()},
                   int(doc["serial"]), int(doc["floor"]), base64.b64decode(doc["doc"]))


# -- reading and checking a key file ------------------------------------------------------------------------------

def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _pass_aad(group: str, generation: int, kdf: dict[str, Any]) -> bytes:
    return f"{group}/{generation}/".encode() + _canonical(kdf)


def _enroll_message(group: str, device: str, member: Member) -> bytes:
    return _ENROLL + f"{group}/{device}/".encode() + member.sign + member.wrap


def _parse(data: bytes) -> tuple[dict[str, Any], str, bytes, bytes]:
    """The document, its signer, the signed text and the signature; :class:`DamagedData` for anything else."""
    try:
        outer = json.loads(data)
        if outer.get("v") != VERSION:
            raise DamagedData(f"the key file has sync format {outer.get('v')}; this Memvault reads {VERSION} "
                              "(a group of an older Memvault: see the README, \"Upgrading sync\")")
        text = str(outer["doc"]).encode("utf-8")
        doc = json.loads(text)
        for name, kind in (("group", str), ("serial", int), ("floor", int), ("kdf", dict), ("pass", dict),
                           ("grants", dict), ("devices", dict), ("removed", list)):
            if not isinstance(doc[name], kind):
                raise ValueError
        return doc, str(outer["by"]), text, bytes.fromhex(outer["sig"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DamagedData("the sync key file on the target is damaged or was written by something else") from None


def _member(entry: Any) -> Member:
    try:
        return Member(bytes.fromhex(entry["sign"]), bytes.fromhex(entry["wrap"]))
    except (ValueError, KeyError, TypeError):
        raise DamagedData("the sync key file lists a device with unreadable keys") from None


def _vouched(group: str, device: str, entry: Any, keys: dict[int, bytes], floor: int) -> bool:
    try:
        generation = int(entry["gen"])
        member = _member(entry)
    except (ValueError, KeyError, TypeError, DamagedData):
        return False
    return generation >= floor and generation in keys and \
        signing.tag_matches(keys[generation], _enroll_message(group, device, member), entry.get("tag"))


def group_of(data: bytes) -> str:
    """The group a key file names (readable without any key)."""
    return str(_parse(data)[0]["group"])


def accept(data: bytes, ring: KeyRing, me: str, identity: DeviceIdentity) -> KeyRing:
    """``ring`` after reading the key file ``data``: the same ring when nothing changed.

    Raises:
        DamagedData: refused (unsigned, altered, signed by an unknown or removed device, rolled back); the caller
            reports it and writes its own accepted key file back.
        SyncKeyError: the file, signed by a member, says this device was removed.
    """
    if data == ring.doc:
        return ring
    doc, by, text, signature = _parse(data)
    if doc["group"] != ring.group:
        raise DamagedData("the key file names another sync group")
    removed = set(ring.removed) | {str(d) for d in doc["removed"]}
    entry = doc["devices"].get(by)
    if entry is None or by in removed:
        raise DamagedData(f"the key file is signed by {'a removed' if by in removed else 'an unknown'} device "
                          f"({by[:8]}): refused")
    signer = _member(entry)
    if ring.members.get(by) != signer and not _vouched(ring.group, by, entry, ring.keys, ring.floor):
        raise DamagedData(f"the key file is signed by device {by[:8]}, which no member vouched for: refused")
    if not signing.verify(signer.sign, _SIGNED + text, signature):
        raise DamagedData("the key file's signature does not verify (altered on the target): refused")
    if doc["serial"] < ring.serial:
        raise DamagedData(f"the key file is older than the one this device accepted (serial {doc['serial']} < "
                          f"{ring.serial}): rolled back on the target, refused")
    if not set(ring.removed) <= {str(d) for d in doc["removed"]}:
        raise DamagedData("the key file undoes a removal: refused")
    keys = dict(ring.keys)
    for generation, granted in doc["grants"].items():
        stanza = granted.get(me) if isinstance(granted, dict) else None
        if stanza is not None and int(generation) not in keys:
            try:
                keys[int(generation)] = recipients.unwrap_with_private(
                    base64.b64decode(stanza), identity.wrap_private, protocol=recipients.SYNC)
            except (DecryptionFailed, DamagedData, ValueError):
                raise DamagedData(f"the key file grants generation {generation} in a stanza that does not "
                                  "open: refused") from None
    floor = max(ring.floor, doc["floor"])
    # A new floor (a removal or a new passphrase) keeps only the members the file vouches for under it: a device
    # that joined with the old passphrase, or was trusted before, must be vouched again by someone who holds it.
    members = {d: m for d, m in ring.members.items() if d not in removed} if floor == ring.floor else {}
    for device, listed in doc["devices"].items():
        if device not in removed and _vouched(ring.group, device, listed, keys, floor):
            members[device] = _member(listed)
    members[by] = signer
    if me in removed:
        raise SyncKeyError(f"this device ({me[:8]}) was removed from the sync group by another device: it no "
                           f"longer reads or writes there. Turn sync off here (`memvault sync off`). {REJOIN}")
    return KeyRing(ring.group, keys, tuple(sorted(removed)), members, max(ring.serial, doc["serial"]), floor, data)


def _open_pass(doc: dict[str, Any], passphrase: str) -> dict[int, bytes]:
    try:
        kdf = doc["kdf"]
        params = KdfParams.from_untrusted(base64.b64decode(kdf["salt"]), kdf["memory_kib"], kdf["iterations"],
                                          kdf["lanes"])
        wrapped = {int(g): base64.b64decode(w) for g, w in doc["pass"].items()}
    except (ValueError, KeyError, TypeError):
        raise DamagedData("the sync key file on the target is damaged or was written by something else") from None
    for kek in params.derive_each(passphrase):
        try:
            return {g: aead.unwrap_key(kek, w, context=_PASS_CONTEXT, aad=_pass_aad(doc["group"], g, kdf))
                    for g, w in wrapped.items()}
        except DecryptionFailed:
            continue
    raise SyncKeyError("the sync passphrase does not open this target's sync key (a wrong passphrase, or the "
                       "key file was altered on the target)")


def check_passphrase(data: bytes, passphrase: str) -> None:
    """:class:`SyncKeyError` unless ``passphrase`` opens the key file ``data``."""
    _open_pass(_parse(data)[0], passphrase)


def join(data: bytes, passphrase: str, me: str, identity: DeviceIdentity) -> tuple[KeyRing, bytes]:
    """Join the group of key file ``data``: the ring, and the key file listing this device (to write back)."""
    doc = _parse(data)[0]
    keys = _open_pass(doc, passphrase)
    # Before the passphrase's age: a removed device that had the new passphrase would still be turned away.
    if me in doc["removed"]:
        raise SyncKeyError(f"this device ({me[:8]}) was removed from this sync group and cannot join it again "
                           f"under the same id. {REJOIN}")
    if doc["floor"] not in keys:
        raise SyncKeyError("this passphrase was replaced after a device was removed from the group: ask a device "
                           "that syncs for the new sync passphrase (`memvault sync passwd` sets one)")
    ring = accept(data, KeyRing(str(doc["group"]), keys, floor=doc["floor"]), me, identity)
    return enlisted(ring, me, identity)


# -- writing a key file ---------------------------------------------------------------------------------------------

def _pass_section(group: str, keys: dict[int, bytes], passphrase: str, memory_kib: int,
                  iterations: int) -> tuple[dict[str, Any], dict[str, str]]:
    params = KdfParams.fresh(memory_kib, iterations)
    kdf = {"salt": base64.b64encode(params.salt).decode(), "memory_kib": params.memory_kib,
           "iterations": params.iterations, "lanes": params.lanes}
    kek = params.derive(passphrase)
    return kdf, {str(g): base64.b64encode(aead.wrap_key(kek, k, context=_PASS_CONTEXT,
                                                         aad=_pass_aad(group, g, kdf))).decode()
                 for g, k in keys.items()}


def _entry(group: str, device: str, member: Member, generation: int, key: bytes) -> dict[str, Any]:
    return {"sign": member.sign.hex(), "wrap": member.wrap.hex(), "gen": generation,
            "tag": signing.tag(key, _enroll_message(group, device, member))}


def _signed(doc: dict[str, Any], me: str, identity: DeviceIdentity) -> bytes:
    text = json.dumps(doc, sort_keys=True, indent=1)
    signature = signing.sign(identity.sign_private, _SIGNED + text.encode("utf-8"))
    return json.dumps({"v": VERSION, "doc": text, "by": me, "sig": signature.hex()}, indent=1).encode("utf-8")


def create(group: str, passphrase: str, memory_kib: int, iterations: int, me: str,
           identity: DeviceIdentity) -> tuple[KeyRing, bytes]:
    """A new group with this device its only member."""
    keys = {1: random_bytes(32)}
    kdf, wrapped = _pass_section(group, keys, passphrase, memory_kib, iterations)
    doc = {"group": group, "serial": 1, "floor": 1, "kdf": kdf, "pass": wrapped, "grants": {},
           "devices": {me: _entry(group, me, identity.member, 1, keys[1])}, "removed": []}
    data = _signed(doc, me, identity)
    return KeyRing(group, keys, (), {me: identity.member}, 1, 1, data), data


def _next(ring: KeyRing) -> dict[str, Any]:
    doc = _parse(ring.doc)[0]
    return dict(doc, serial=ring.serial + 1)


def needs_enlisting(ring: KeyRing, me: str, identity: DeviceIdentity) -> bool:
    """Whether the accepted key file lacks a vouched entry for this device (a concurrent join overwrote it)."""
    doc = _parse(ring.doc)[0]
    entry = doc["devices"].get(me)
    return ring.floor in ring.keys and (entry is None or _member(entry) != identity.member or
                                        not _vouched(ring.group, me, entry, ring.keys, ring.floor))


def held_by_another(ring: KeyRing, me: str, identity: DeviceIdentity) -> bool:
    """Whether the accepted key file lists this device's id, vouched by a member, with keys that are not this
    vault's: another vault enlisted under this id (a copy of this vault), not the storage (it cannot vouch)."""
    entry = _parse(ring.doc)[0]["devices"].get(me)
    return (entry is not None and ring.floor in ring.keys and _member(entry) != identity.member
            and _vouched(ring.group, me, entry, ring.keys, ring.floor))


def enlisted(ring: KeyRing, me: str, identity: DeviceIdentity) -> tuple[KeyRing, bytes]:
    """The key file with this device listed (vouched under the current generation), signed by it."""
    doc = _next(ring)
    doc["devices"] = dict(doc["devices"], **{me: _entry(ring.group, me, identity.member, ring.current, ring.key)})
    data = _signed(doc, me, identity)
    return KeyRing(ring.group, ring.keys, ring.removed, {**ring.members, me: identity.member}, doc["serial"],
                   ring.floor, data), data


def rotated(ring: KeyRing, me: str, identity: DeviceIdentity, *, removed: str | None = None,
            passphrase: tuple[str, int, int] | None = None) -> tuple[KeyRing, bytes]:
    """A new generation, granted to every remaining member (never to ``removed``), that becomes the floor.

    ``passphrase`` (new passphrase, KDF memory, iterations): every generation is wrapped under it instead of the
    old passphrase. Without it the passphrase still opens only the generations before this one, so a device
    that joins needs a new passphrase first (see :func:`join`).
    """
    doc = _next(ring)
    generation = ring.current + 1
    keys = {**ring.keys, generation: random_bytes(32)}
    gone = set(ring.removed) | ({removed} if removed else set())
    members = {d: m for d, m in ring.members.items() if d not in gone}
    members[me] = identity.member
    if passphrase is not None:
        doc["kdf"], doc["pass"] = _pass_section(ring.group, keys, *passphrase)
    grants = {g: {d: s for d, s in by.items() if d not in gone} for g, by in doc["grants"].items()}
    grants[str(generation)] = {d: base64.b64encode(recipients.wrap_for_recipient(
        keys[generation], m.wrap, protocol=recipients.SYNC)).decode() for d, m in members.items() if d != me}
    doc.update(floor=generation, grants=grants, removed=sorted(gone),
               devices={d: _entry(ring.group, d, m, generation, keys[generation]) for d, m in members.items()})
    data = _signed(doc, me, identity)
    return KeyRing(ring.group, keys, tuple(sorted(gone)), members, doc["serial"], generation, data), data


def group_key_file(target: Any, names: list[str]) -> bytes | None:
    """The key file of the one sync group ``target`` holds (``names``: its files), ``None`` when it holds none;
    read once (its format is checked on the bytes the caller then uses)."""
    groups = sorted({name.split("/")[0] for name in names if ID.match(name.split("/")[0])})
    keyed = {g: data for g in groups if f"{g}/key" in names
             and _format(data := target.get(f"{g}/key", SMALL_FILE_MAX_BYTES)) == VERSION}
    if len(keyed) > 1:
        raise SyncError(f"the target holds {len(keyed)} sync groups; give each its own folder or prefix")
    orphans = [g for g in groups if f"{g}/key" not in names]
    if orphans and not keyed:
        raise SyncError(f"the target holds sync group {orphans[0][:8]} without its key file (deleted on the "
                        "target?): sync once on a device of that group, which writes it back, then set up here")
    return next(iter(keyed.values()), None)


def _format(data: bytes) -> int | None:
    try:
        return int(json.loads(data).get("v"))
    except (ValueError, TypeError, AttributeError):
        return None
