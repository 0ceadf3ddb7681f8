import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.enums import Tier
from app.domain.ids import uuid7


def test_uuid7_is_version_7_and_sorts_by_creation():
    ids = [uuid7() for _ in range(2000)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_carries_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    value = uuid.UUID(uuid7()).int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= value <= after + 1


@settings(max_examples=200)
@given(st.floats(min_value=0.0, max_value=1.0))
def test_tier_from_importance_follows_thresholds(importance):
    tier = Tier.from_importance(importance)
    if importance >= 0.8:
        assert tier is Tier.HOT
    elif importance >= 0.3:
        assert tier is Tier.WARM
    else:
        assert tier is Tier.COLD
