"""What the compatibility profiles keep besides memories, built once with the vault.

The profile routes reach these through :class:`~memvault.service.container.Services` instead of
building them from the vault's database themselves (the API layer never touches ``vault/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from memvault.domain.clock import Clock, system_clock
from memvault.service import profile_usage
from memvault.service.agents import AgentService
from memvault.service.entities import EntityService
from memvault.service.entity_requests import EntityRequests
from memvault.service.records import RecordService
from memvault.service.sessions import SessionService
from memvault.vault.engine import Database


@dataclass(frozen=True)
class ProfileServices:
    agents: AgentService
    records: RecordService
    sessions: SessionService
    entity_requests: EntityRequests
    db: Database

    def stored(self, namespace: str) -> tuple[int, int]:
        """How many memories ``namespace`` holds and their content's length in characters (Sendryx usage)."""
        return profile_usage.stored(self.db, namespace)


def build_profiles(db: Database, entities: EntityService, wall: Clock = system_clock) -> ProfileServices:
    return ProfileServices(AgentService(db, wall), RecordService(db, wall), SessionService(db, wall),
                           EntityRequests(db, entities, wall), db)
