"""The second-opinion measurement's scoring: shipped order, refits with and without the extra input (no model)."""

import random

from memvault.bench.second_opinion import Asked, fitted, leave_one_conversation_out, per_kind, ranked


def _asked(conversation: str, n: int, rng: random.Random) -> Asked:
    # One evidence turn among n: the shipped inputs cannot tell it apart, the second opinion can.
    a = Asked(conversation, "single-fact", f"question {conversation}", ("t0",))
    for i in range(n):
        a.candidates.append((f"t{i}", f"text {n - i:03d}", 0.5, (rng.random(), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
        a.second.append(0.9 if i == 0 else 0.2 + 0.1 * rng.random())
    return a


def test_shipped_order_breaks_equal_relevance_by_text():
    a = _asked("c1", 3, random.Random(1))
    assert ranked(a, None) == ["t2", "t1", "t0"]  # equal shipped scores: "text 001" < "text 002" < "text 003"


def test_the_second_opinion_finds_what_the_shipped_inputs_cannot():
    rng = random.Random(7)
    asked = [_asked(f"c{c}{q}", 30, rng) for c in range(3) for q in range(5)]
    for a in asked:
        a.conversation = a.conversation[:2]
    without = leave_one_conversation_out(asked, second=False)["all"]
    with_second = leave_one_conversation_out(asked, second=True)["all"]
    assert with_second[0] == 1.0 and with_second[1] == 1.0
    assert without[0] < 0.5
    relevance = fitted(asked, second=True)
    assert per_kind(asked, lambda a: ranked(a, relevance))["single-fact"][2] == 15
