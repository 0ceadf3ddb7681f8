"""How many examples a property test runs: all of them in the README's command, a quarter in the fast tier.

The fast tier (``pytest -m "not slow"``) is the edit-and-test loop; the
state machines and wide property tests are its largest cost, so there they run
a quarter of their examples (at least five). The full suite, which CI runs,
keeps every example. ``tests/conftest.py`` sets the tier before any test module
is imported, so ``settings(max_examples=examples(40))`` sees it.
"""

from __future__ import annotations

FAST_TIER_SHARE = 0.25
_share = 1.0


def enter_fast_tier() -> None:
    global _share
    _share = FAST_TIER_SHARE


def examples(full: int) -> int:
    """``full`` examples, or the fast tier's share of them."""
    return max(5, round(full * _share)) if _share < 1.0 else full
