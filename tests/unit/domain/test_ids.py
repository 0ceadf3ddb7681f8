import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.domain.enums import Tier
from memvault.domain.ids import uuid7


def test_uuid7_is_version_7_and_sorts_by_creation():
    ids = [uuid7() for _ in range(2000)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_random_bits_differ_across_a_pool_refill_and_in_a_forked_child():
    import os

    rand = [uuid.UUID(uuid7()).int & ((1 << 62) - 1) for _ in range(1000)]  # 8 bytes each: two refills
    assert len(set(rand)) == len(rand)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id's random bits, to the parent
        os.write(write, str(uuid.UUID(uuid7()).int & ((1 << 62) - 1)).encode())
        os._exit(0)
    os.close(write)
    mine = uuid.UUID(uuid7()).int & ((1 << 62) - 1)
    theirs = int(os.read(read, 64).decode())
    os.waitpid(pid, 0)
    assert mine != theirs, "a forked child must not replay its parent's random bytes"


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
