"""Causality between membership entries: the fold's order, and why a removal wins over its target's entries.

Each entry written since format 2 names its ``parents``: the heads of the entries its signer's fold had
accepted (those no other accepted entry names). An entry's causal past (its ancestors) is then fixed when it is
written: an entry is create-only and named by its digest, so a removal's past cannot grow later. A format-1 entry
(no parents, written before this) is, for another format-1 entry, before or after it as the fold order puts it
(as format 1 folded); a format-2 entry has in its past only the format-1 entries it names (every head its writer
had, so every one it had accepted).

The rule that uses it: a person's entry that a removal of that person (or a change that takes its admin role)
did not know of - written at the same time, or after it by someone not added back since - does not count, and
the removal is judged in its own causal past, so entries the removed person adds around it cannot undo it. A
person keeps its signing key after a removal, and the stamps it writes are its own choice: without this rule a
removed admin could stamp an ``add`` of a sock puppet *before* its removal and every member would fold it there.

The fold then goes through the entries with parents before children (and otherwise by ``(at, digest)``):

1. each removal and demotion is judged in its causal past (the fold of its ancestors only);
2. among those that pass, one is dropped when a counting removal of its signer did not know of it; when
   removals form a cycle (two admins removing each other at once) the senior admin's counts (:attr:`Member.since`:
   the creator, then admins in the order they became one);
3. every other entry counts when its signer may make it at that point of the fold and no counting removal of
   its signer supersedes it.

Every step depends only on the set of entries, so every member folds the same roster whatever order they came in.
Ancestor sets are bitmasks (bit ``i`` is the ``i``-th entry of the fold), built once per fold.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from memvault.sharing import rules
from memvault.sharing.rules import Entry, Roster


def order(entries: list[Entry]) -> list[Entry]:
    """Parents before children, else by ``(at, digest)``; a parent nobody holds is skipped."""
    by = {e.digest: e for e in entries}
    waiting = {e.digest: {p for p in e.parents or () if p in by} for e in entries}
    children: dict[str, list[str]] = {}
    for digest, parents in waiting.items():
        for parent in parents:
            children.setdefault(parent, []).append(digest)
    ready = [(e.doc["at"], e.digest) for e in entries if not waiting[e.digest]]
    heapq.heapify(ready)
    out = []
    while ready:
        _, digest = heapq.heappop(ready)
        out.append(by[digest])
        for child in children.get(digest, ()):
            waiting[child].discard(digest)
            if not waiting[child]:
                heapq.heappush(ready, (by[child].doc["at"], child))
    return out  # a cycle would need two digests naming each other: none is left behind


def ancestors(ordered: list[Entry]) -> list[int]:
    """Each entry's ancestors as a bitmask over ``ordered``. A format-1 entry has none, and is only itself in the
    past of an entry that names it (not whatever the stamp order put before it: a removed admin's format-1 entry,
    stamped before an honest one, must not enter a removal's past through it)."""
    index = {e.digest: i for i, e in enumerate(ordered)}
    found: list[int] = []
    for entry in ordered:
        mask = 0
        for parent in entry.parents or ():
            j = index.get(parent)
            if j is not None:
                mask |= (found[j] if ordered[j].parents is not None else 0) | (1 << j)
        found.append(mask)
    return found


def heads(entries: list[Entry]) -> list[str]:
    named = {p for e in entries for p in e.parents or ()}
    return sorted(e.digest for e in entries if e.digest not in named)


@dataclass(frozen=True)
class Verdict:
    """An entry judged in its own causal past."""

    why: str | None  # refused there, or None
    revokes: str | None  # the person it removes or takes the admin role from, when it does
    demotes: bool
    since: int  # its signer's seniority there


class Resolver:
    def __init__(self, share: str, anchor: str, ordered: list[Entry], bodies: list[dict[str, Any] | None]) -> None:
        self.share, self.anchor, self.ordered, self.bodies = share, anchor, ordered, bodies
        self.anc = ancestors(ordered)
        self.old = [e.parents is None for e in ordered]
        self.signer = [e.signer.person_id for e in ordered]
        ops = [(b or {}).get("op") for b in bodies]
        named = [t.person_id if ops[i] in ("add", "role", "remove") and (t := rules.target(b or {})) else None
                 for i, b in enumerate(bodies)]
        admins = {anchor} | {named[i] for i, b in enumerate(bodies) if ops[i] in ("add", "role")
                             and b and b.get("role") == "admin"}
        removed = {named[i] for i in range(len(bodies)) if ops[i] == "remove"}
        # Judged in their causal past: removals, and role changes that may take someone's admin role, signed by
        # someone who was ever made an admin (a member's junk cannot make the fold judge thousands of pasts).
        self.judged = {i for i, b in enumerate(bodies) if self.signer[i] in admins and (ops[i] == "remove" or (
            ops[i] in ("add", "role") and b and b.get("role") != "admin" and named[i] in admins))}
        # Entries that may give a removed or demoted person back what was taken (a re-add).
        self.restorers: dict[str, list[int]] = {}
        for i, person in enumerate(named):
            if ops[i] in ("add", "role") and person in removed | admins:
                self.restorers.setdefault(person, []).append(i)
        # _tangled[i]: how many of the first i entries do not know every entry before them (concurrency).
        self._tangled = [0]
        newer = False
        for i, entry in enumerate(ordered):
            knows_all = not newer if entry.parents is None else self.anc[i] == (1 << i) - 1
            newer = newer or entry.parents is not None
            self._tangled.append(self._tangled[-1] + (not knows_all))
        self._checkpoint: tuple[int, Roster, dict[str, list[int]]] | None = None
        self._verdicts: dict[int, Verdict] = {}
        self._runs: dict[int, Roster] = {}
        self._counting: dict[int, frozenset[int]] = {}
        # Earliest first, so each one's past is already judged (and the recursion stays shallow). A re-add is
        # judged only when an entry after a removal of its signer asks for one.
        for i in sorted(self.judged):
            self.verdict(i)

    def verdict(self, i: int) -> Verdict:
        found = self._verdicts.get(i)
        if found is None:
            past = self.run((1 << i) - 1 if self.old[i] else self.anc[i])
            state, body = past.copy(), self.bodies[i] or {}
            person = rules.target(body)
            before = state.members.get(person.person_id) if person else None
            why = rules.apply(state, self.ordered[i], body, self.anchor, i)
            revokes, demotes = None, False
            if why is None and person is not None and body.get("op") in ("add", "role", "remove"):
                demotes = body["op"] != "remove" and before is not None and before.role == "admin" \
                    and body.get("role") != "admin"
                revokes = person.person_id if body["op"] == "remove" or demotes else None
            signer = past.members.get(self.signer[i])
            found = self._verdicts[i] = Verdict(why, revokes, demotes, signer.since if signer else len(self.ordered))
        return found

    def knows(self, a: int, b: int) -> bool:
        """Whether ``a`` is in ``b``'s past (between format-1 entries: whether the fold puts it before)."""
        return a < b if self.old[b] and self.old[a] else bool(self.anc[b] >> a & 1)

    def superseded(self, i: int, r: int) -> bool:
        """Whether the counting removal ``r`` of ``i``'s signer overrules ``i``."""
        if i == r or self.knows(i, r):
            return False  # the removal knew of it
        if not self.knows(r, i):
            return True  # written at the same time as the removal: the removal wins
        taken = self.verdict(r)
        if taken.demotes and (self.bodies[i] or {}).get("op") not in rules.ADMIN_OPS:
            return False  # a demoted admin is still a member
        return not any(self.knows(a, i) and self.knows(r, a) and self.verdict(a).why is None
                       and (not taken.demotes or (self.bodies[a] or {}).get("role") == "admin")
                       for a in self.restorers.get(self.signer[i], ()))

    def counting(self, mask: int) -> frozenset[int]:
        """The removals (and demotions) in ``mask`` that count."""
        found = self._counting.get(mask)
        if found is not None:
            return found
        candidates = [i for i in sorted(self.judged) if mask >> i & 1 and self.verdict(i).why is None
                      and self.verdict(i).revokes]
        beaten = {r: [d for d in candidates if d != r and self.verdict(d).revokes == self.signer[r]
                      and self.superseded(r, d)] for r in candidates}
        decided: dict[int, bool] = {}
        pending = candidates
        while pending:
            for r in pending:
                if any(decided.get(d) for d in beaten[r]):
                    decided[r] = False
                elif all(d in decided for d in beaten[r]):
                    decided[r] = True
            left = [r for r in pending if r not in decided]
            if left and len(left) == len(pending):
                # A cycle (admins removing each other at once): the senior admin's removal counts.
                cyclic = [r for r in left if _reaches(r, r, beaten, decided)]
                first = min(cyclic or left, key=lambda r: (self.verdict(r).since, r))
                decided[first] = True
                left.remove(first)
            pending = left
        found = self._counting[mask] = frozenset(r for r, ok in decided.items() if ok)
        return found

    def run(self, mask: int, main: bool = False) -> Roster:
        """The fold of the entries in ``mask`` (a causal past, or every entry when ``main``)."""
        if not main and mask in self._runs:
            return self._runs[mask]
        end = mask.bit_length()
        prefix = not main and mask == (1 << end) - 1
        start = self._checkpoint[0] if prefix and self._checkpoint else -1
        if 0 <= start <= end and self._tangled[end] == self._tangled[start]:
            # Every entry since the last prefix folded knows every entry before it (no concurrency): none of them
            # changes how an earlier one folds, so the fold goes on from there.
            _, kept, kept_against = self._checkpoint  # type: ignore[misc]
            state, against = kept.copy(), {p: list(rs) for p, rs in kept_against.items()}
            for i in range(start, end):
                verdict = self.verdict(i) if i in self.judged else None
                counts = verdict is not None and verdict.why is None and verdict.revokes is not None
                self._step(state, i, counts, against, False)
                if counts:
                    against.setdefault(verdict.revokes or "", []).append(i)  # type: ignore[union-attr]
        else:
            state = Roster(self.share)
            counting = self.counting(mask)
            against = {}
            for r in sorted(counting):
                against.setdefault(self.verdict(r).revokes or "", []).append(r)
            for i in range(end):
                if mask >> i & 1:
                    self._step(state, i, i in counting, against, main)
        if prefix:
            self._checkpoint = (end, state, against)
        if not main:
            self._runs[mask] = state
        return state

    def _step(self, state: Roster, i: int, counts: bool, against: dict[str, list[int]], main: bool) -> None:
        """Fold entry ``i`` into ``state`` (``counts``: it is a removal that counts)."""
        entry, body = self.ordered[i], self.bodies[i]
        if body is None:
            state.unreadable += 1
            return
        verdict = self.verdict(i) if i in self.judged else None
        if verdict is not None and body.get("op") == "remove" and verdict.why is not None:
            why: str | None = verdict.why
        elif verdict is not None and verdict.revokes is not None:
            why = rules.apply(state, entry, body, self.anchor, i, trusted=True) if counts else (
                "its signer was removed or lost the admin role by an entry it did not know of")
        else:
            hit = next((r for r in against.get(self.signer[i], ()) if self.superseded(i, r)), None)
            why = rules.apply(state, entry, body, self.anchor, i) if hit is None else (
                f"its signer was removed or lost the admin role by entry {self.ordered[hit].digest[:12]}, "
                + ("which did not know of it" if not self.knows(hit, i) else "and was not added back"))
        if why is None:
            state.accepted.append(entry.digest)
        elif main:
            state.problems.append(f"refused membership entry {entry.digest[:12]} by {self.signer[i][:8]}: {why}")


def _reaches(start: int, goal: int, beaten: dict[int, list[int]], decided: dict[int, bool]) -> bool:
    """Whether ``goal`` is reached from ``start`` through undecided removals that beat each other."""
    seen, stack = set(), [d for d in beaten[start] if d not in decided]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(d for d in beaten[node] if d not in decided)
    return False
