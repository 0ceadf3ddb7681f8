"""Rate limits a profile's document states, applied on top of each key's own.

Sendryx documents 60 requests a minute and 600 an hour per key; MemSync 100 a
minute per user. A key whose own limits are lower keeps them (its own limiter
runs first, in ``deps.authenticate``); the profile's limit is counted in a
limiter of its own, so calls to other routes do not use it up.
"""

from __future__ import annotations

import dataclasses
import threading

from fastapi import Depends, Request

from memvault.api.deps import KeyDep
from memvault.service.usage import RateLimiter

#: (per minute, per hour) from each document; None: the document states no figure (the key's own applies).
PROFILE_LIMITS: dict[str, tuple[int, int | None]] = {"sendryx": (60, 600), "memsync": (100, None)}
_lock = threading.Lock()


def _limiter(request: Request, profile: str) -> RateLimiter:
    with _lock:
        limiters = getattr(request.app.state, "profile_limiters", None)
        if limiters is None:
            limiters = request.app.state.profile_limiters = {}
        return limiters.setdefault(profile, RateLimiter())


def profile_limit(profile: str):
    """A router dependency that applies ``profile``'s documented limit (none when it states none)."""
    documented = PROFILE_LIMITS.get(profile)

    def check(request: Request, key: KeyDep) -> None:
        if documented is None:
            return
        per_minute, per_hour = documented
        capped = dataclasses.replace(key, per_minute=min(key.per_minute, per_minute),
                                     per_hour=min(key.per_hour, per_hour or key.per_hour))
        _limiter(request, profile).check(capped)

    return Depends(check)
