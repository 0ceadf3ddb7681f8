"""A removed admin keeps its signing key: entries it stamps before its removal do not count (three people, S3)."""

from __future__ import annotations

import pytest

from memvault.domain.errors import Forbidden
from memvault.domain.models import MemoryCreate
from memvault.sharing import roster as rosters
from memvault.sharing.engine import ShareEngine, ShareReport
from memvault.sharing.person import PersonIdentity, PersonKey
from memvault.sync import merge
from memvault.vault import sync_store
from tests.integration.sharing.members import NS, contents, person_id

pytestmark = pytest.mark.slow


def identity(services) -> PersonIdentity:
    return services.sharing._identity()


def roles(services) -> dict[str, str]:
    return {m.person: m.role for m in services.sharing.info(NS).members}


@pytest.mark.parametrize("role", ["admin", "write"])
def test_a_removed_admins_backdated_sock_puppet_is_refused_everywhere_and_cannot_write(make_person, s3_target, role):
    anna, ben, cara, mallory = (make_person(n) for n in ("anna", "ben", "cara", "mallory"))
    anna.memories.create(MemoryCreate(namespace=NS, content="the deploy key rotates on mondays"))
    anna.sharing.share(NS, with_key=ben.sharing.my_key(), role="admin", target=s3_target, name="ben")
    info = anna.sharing.share(NS, with_key=cara.sharing.my_key(), role="read", name="cara")
    ben.sharing.join(info.invite, s3_target)
    cara.sharing.join(info.invite, s3_target)
    engine = ben.sharing._engine(ben.sharing._config(NS))
    stale = engine.roster()  # ben's view while he is an admin
    backdated = ben.sharing._clock.now()  # a stamp from before his removal
    anna.sharing.remove(NS, person_id(ben))
    # Ben, removed, signs an add of his sock puppet stamped before the removal, as if he had not read it.
    engine.publish(rosters.add(stale, backdated, identity(ben), PersonKey.from_text(mallory.sharing.my_key()), role))
    for member in (anna, cara):
        result = member.sharing.sync_now()
        assert roles(member) == {person_id(anna): "admin", person_id(cara): "read"}
        assert any("refused membership entry" in p and "did not know of it" in p for p in result.problems)
    with pytest.raises(Forbidden):
        mallory.sharing.join(info.invite, s3_target)
    # The puppet writes anyway, under the key generation ben handed it (the one before the removal).
    made = mallory.memories.create(MemoryCreate(namespace=NS, content="mallory was here")).memory
    with mallory.vault.db.read() as conn:
        row = sync_store.rows_for(conn, [made.id])[made.id]
    op = dict(merge.delta(None, None, row.fields, mallory.sharing._clock.now()), u=made.id)
    posing = ShareEngine(mallory.vault.db, engine.target, engine.share, engine.anchor, identity(mallory),
                         mallory.vault.device_id, engine.models, mallory.sharing._clock, mallory.sharing._wall)
    posing.push(stale, [op], ShareReport())
    for member in (anna, cara):
        member.sharing.sync_now()
        assert "mallory was here" not in contents(member)
        assert any(f"person {person_id(mallory)[:8]} is not a member" in r for r in member.sharing.info(NS).refused)
