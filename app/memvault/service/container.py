"""The :class:`Services` container, built once at start-up and passed to every surface."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from memvault import priority
from memvault.config import Settings
from memvault.embedding.manifest import load_manifest, manifest_named
from memvault.embedding.model import Embedder
from memvault.embedding.query_cache import QueryVectorCache
from memvault.embedding.queue import EmbeddingWorker
from memvault.extraction.entities import EntityExtractor
from memvault.extraction.nlp import NlpPipeline
from memvault.domain.changes import SYSTEM, ChangeKind
from memvault.domain.clock import Clock, CorrectedClock, system_clock
from memvault.domain.errors import InvalidInput, StorageError, StorageFull, VaultBusy, VaultCorrupt, VaultReadOnly
from memvault.domain.hlc import HybridClock
from memvault.domain.models import EmbeddedMemory
from memvault.service import keychain
from memvault.service.background import Background, standard_loops
from memvault.service.entities import EntityService
from memvault.service.events import EventHub, event_for
from memvault.service.api_keys import KeyService
from memvault.service.backups import BackupSchedule, BackupService
from memvault.service.bundles import BundleService
from memvault.service.classify import TypeClassificationService
from memvault.service.compress import ContextCompressor
from memvault.service.conversations import ConversationService
from memvault.service.foreground import Foreground, yielding
from memvault.service.health import HealthMonitor
from memvault.service.integrity import IntegrityService
from memvault.service.lifecycle import LifecycleService
from memvault.service.memories import MemoryService
from memvault.service.models import ModelService, embedder_for_model, load_ahead, model_family
from memvault.service.profiles import ProfileServices, build_profiles
from memvault.service.readable_transfer import ReadableTransfer
from memvault.service.readable_transfer import build as build_readable
from memvault.service.reembed import ReembedService
from memvault.service.search import SearchService
from memvault.service.stats import StatsService
from memvault.service.sharing import SharingService, share_loop
from memvault.service.sync import SyncService, sync_loop
from memvault.ranking import graph as graph_search
from memvault.sync.replica import Models
from memvault.service.usage import RateLimiter, UsageService
from memvault.extraction.facts import Extractor, FactExtractor
from memvault.extraction.llm import LlmExtractor
from memvault.vault.extraction_jobs import ExtractionJobStore
from memvault.vault.jobs import EmbeddingJobStore
from memvault.vault.knn import VectorIndex
from memvault.vault.vault import Vault
from memvault.vault.vault import vault_exists as vault_files_exist

log = logging.getLogger(__name__)
#: The spaCy pipeline is the process's, like the embedder: loaded once, on first use, shared by every vault.
_PIPELINE = NlpPipeline()


def load_extractor(settings: Settings) -> Extractor:
    """The on-device extractor, or a local LLM endpoint in front of it when the settings name one."""
    on_device = FactExtractor(_PIPELINE)
    if not settings.extraction_llm_url:
        return on_device
    try:
        return LlmExtractor(settings.extraction_llm_url, settings.extraction_llm_model, on_device,
                            timeout=settings.extraction_llm_timeout_seconds, api_key=settings.extraction_llm_api_key,
                            allow_remote=settings.extraction_llm_allow_remote)
    except InvalidInput as exc:
        log.warning("the extraction endpoint is not used: %s", exc.message)
        return on_device


def vault_exists(settings: Settings) -> bool:
    """Whether ``settings.home`` holds a vault (or what is left of one)."""
    return vault_files_exist(settings.home_path)


def load_embedder(settings: Settings, model: str | None = None) -> Embedder:
    """The process's one embedder (``model``: a bundled model's name; default English); verifies its files first."""
    return Embedder(manifest_named(model) if model else load_manifest(), threads=settings.embed_threads,
                    batch_size=settings.embed_batch_size, batch_tokens=settings.embed_batch_tokens,
                    precision=settings.embed_precision)


@dataclass
class Services:
    """Everything a surface needs, over one unlocked vault."""

    settings: Settings
    vault: Vault
    embedder: Embedder
    events: EventHub
    memories: MemoryService
    lifecycle: LifecycleService
    search: SearchService
    reembed: ReembedService
    stats: StatsService
    keys: KeyService
    bundles: BundleService
    backups: BackupService
    usage: UsageService
    rate_limiter: RateLimiter
    jobs: EmbeddingJobStore
    worker: EmbeddingWorker
    health: HealthMonitor
    background: Background
    integrity: IntegrityService
    entities: EntityService
    compressor: ContextCompressor
    conversations: ConversationService
    query_vectors: QueryVectorCache
    sync: SyncService
    vector_index: VectorIndex
    readable: ReadableTransfer
    profiles: ProfileServices
    models: ModelService | None = None
    backup_schedule: BackupSchedule | None = None
    foreground: Foreground | None = None
    sharing: SharingService | None = None

    @property
    def device_id(self) -> str:
        """This vault's device id (stable across unlocks; names it to sync peers and in single-instance checks)."""
        return self.vault.device_id

    def remember_in_keychain(self) -> bool:
        """Store the vault's key in the OS keychain for unlocking without a passphrase; whether it took it."""
        return keychain.store(self.settings.home_path, self.vault.data_key)

    def verify_pages_before_writing(self) -> None:
        """Check every page before the first write (a short-lived command on a damaged vault writes nothing)."""
        self.vault.db.verify_before_writing = True

    def embed_facts_now(self, facts: list[dict], namespace: str | None = None) -> None:
        """Embed a conversation's new facts (its job result's ``facts``) on this thread, ahead of the queue: a
        caller that recalls them right after finds them by meaning (a failure leaves them to the worker)."""
        rowids = [self.memories.get(f["id"], namespace).rowid for f in facts]
        if rowids:
            self.worker.embed_now(rowids)

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the vault's key under ``new`` (``old`` must open it)."""
        self.vault.change_passphrase(old, new, self.settings)

    def close(self) -> None:
        """Stop background work, save usage counters and lock the vault."""
        try:
            self.background.stop()
            try:
                self.vector_index.close()
            except (StorageFull, StorageError, VaultReadOnly, VaultBusy, VaultCorrupt) as exc:
                log.warning("the search index could not be saved (it is rebuilt or replayed next time): %s", exc.code)
            try:
                self.usage.flush()
            except (StorageFull, StorageError, VaultReadOnly, VaultBusy, VaultCorrupt) as exc:
                log.warning("API usage counters could not be saved: %s", exc.code)
        finally:
            self.query_vectors.clear()
            self.vault.lock()


def _assemble(settings: Settings, vault: Vault, embedder: Embedder, *, background: bool,
              wall: Clock = system_clock) -> Services:
    if settings.lower_background:
        priority.lower_background()  # for the process: its threads cannot take a lowered priority back anyway
    # The vault's own model, whichever the process loaded ahead (a vault records its model).
    embedder = embedder_for_model(embedder, vault.model_id)
    db = vault.db
    events = EventHub()
    # One corrected wall for every service: sync sets its offset when the device's clock is known to run ahead.
    wall = wall if isinstance(wall, CorrectedClock) else CorrectedClock(wall)
    clock = HybridClock(vault.device_id)
    jobs = EmbeddingJobStore(db, embedder.model_id, clock, wall)

    classification = TypeClassificationService(db, TypeClassificationService.load_classifiers(), clock, events, wall)

    def on_ready(ready: list[EmbeddedMemory]) -> None:
        events.emit(event_for(ChangeKind.EMBEDDED, ready, SYSTEM))
        # The memory's own vector decides an omitted type (an update by the system, through the write path).
        classification.classify_ready(ready)

    worker = EmbeddingWorker(jobs, embedder, batch_size=settings.worker_batch_size, on_ready=on_ready)
    query_vectors = QueryVectorCache(embedder)
    lifecycle = LifecycleService(db, clock, events, wall)
    # Searches go first: the loops whose steps take the CPU for long wait for a quiet moment (bounded).
    foreground = Foreground()
    # Extraction refines, so it waits longer while requests crowd the machine (the same patience between parts).
    entity_wait = foreground.patience()
    entities = EntityService(db, EntityExtractor(_PIPELINE), wall, embedding_busy=jobs.working, pause=entity_wait,
                             crowded=foreground.crowded)
    usage = UsageService(db)
    health = HealthMonitor(db)
    loops = Background(health)
    # Looked up on the class: a lazy embedder answers any attribute by loading the model.
    if getattr(type(embedder), "yield_background_to", None) is not None:  # the tests' fake has no threads
        embedder.yield_background_to(foreground.busy)
    index = VectorIndex(db, embedder.dimension, embedding_busy=jobs.working, searches_busy=foreground.busy,
                        pause=foreground.wait_quiet,
                        progress=lambda done, total: health.report_progress("vector-index", done, total))
    if not db.read_only:
        # Loaded (or rebuilt) by its loop as soon as the vault opens, so the first search finds it ready.
        loops.add("vector-index", yielding(index.maintain, foreground.wait_quiet), wake=index.wake)
        # A change made here applies at once, not at the loop's next poll (up to 2 s later): searches then
        # find the index current, rather than replaying the change (or going exact) themselves.
        events.subscribe(lambda _event: index.wake.set())
    if not db.read_only:
        standard_loops(loops, health=health, worker=worker if settings.worker else None, jobs=jobs,
                       lifecycle=lifecycle, usage=usage, purge_interval_seconds=settings.purge_interval_seconds)
        if settings.worker:
            # Backfills and extracts what was queued (loading the pipeline off every request path once a job waits).
            loops.add("entities", yielding(entities.step, entity_wait), wake=entities.wake_event,
                      interrupt=entities.interrupt, setup=entities.started)
            # After the start's burst (the first requests, the model's load): each costs the GIL a while.
            loops.add("date-warm", yielding(graph_search.warm_dates, foreground.wait_quiet),
                      first_delay=graph_search.WARM_DELAY_SECONDS)
            # Types a classifier can now give the memories stored before their model had one.
            loops.add("type-backfill", yielding(classification.backfill_step, foreground.wait_quiet),
                      first_delay=classification.BACKFILL_DELAY_SECONDS)
    conversations = ConversationService(db, clock, events, load_extractor(settings), ExtractionJobStore(db, wall),
                                        wake_embedding=worker.wake, wall=wall)
    if settings.worker and not db.read_only:
        loops.add("extraction", yielding(conversations.step, foreground.patience()), wake=conversations.wake_event,
                  setup=conversations.prepare)
    search = SearchService(db, query_vectors, wall, index, entities=entities, model_family=model_family(embedder))
    search.search = foreground.serving(search.search)  # type: ignore[method-assign]
    events.subscribe(lambda _event: search.vectors_changed())
    services = Services(
        settings=settings,
        vault=vault,
        embedder=embedder,
        events=events,
        memories=MemoryService(db, embedder, clock, events, wake_worker=worker.wake, wall=wall, entities=entities,
                               type_of=classification.guess),
        lifecycle=lifecycle,
        search=search,
        reembed=ReembedService(jobs, embedder, events),
        stats=StatsService(db, wall),
        keys=KeyService(db, credentials_home=settings.home_path),
        bundles=BundleService(db, clock, events, settings, model_id=embedder.model_id, dimension=embedder.dimension,
                              wall=wall, wake_worker=worker.wake),
        backups=BackupService(vault),
        usage=usage,
        rate_limiter=RateLimiter(),
        jobs=jobs,
        worker=worker,
        health=health,
        background=loops,
        integrity=IntegrityService(db, wake_worker=worker.wake, wall=wall),
        entities=entities,
        compressor=ContextCompressor(),
        conversations=conversations,
        query_vectors=query_vectors,
        sync=SyncService(db, vault.device_id, clock, events, settings, Models(embedder.model_id, embedder.dimension),
                         wake_worker=worker.wake, wall=wall),
        vector_index=index,
        readable=build_readable(db, clock, events, model_id=embedder.model_id, dimension=embedder.dimension, wall=wall,
                                wake_worker=worker.wake, extract=conversations.ingest,
                                count=lambda f: services.memories.count(f)),
        profiles=build_profiles(db, entities, wall),
        models=ModelService(vault, embedder),
        foreground=foreground,
    )
    services.sharing = SharingService(db, vault.device_id, clock, events, settings,
                                      Models(embedder.model_id, embedder.dimension), wake_worker=worker.wake, wall=wall)
    if not db.read_only:
        sync_loop(loops, services.sync, events, interval=settings.sync_interval_seconds,
                  debounce=settings.sync_debounce_seconds)
        share_loop(loops, services.sharing, events, interval=settings.sync_interval_seconds,
                   debounce=settings.sync_debounce_seconds)
    if settings.backup_folder and not db.read_only:
        services.backup_schedule = BackupSchedule(services.backups, Path(settings.backup_folder).expanduser(),
                                                  interval=settings.backup_interval_hours * 3600,
                                                  keep=settings.backup_keep)
        loops.add("scheduled-backup", services.backup_schedule.step, first_delay=BackupSchedule.FIRST_DELAY_SECONDS)
    if background:
        # Before the loops: a model loaded on a loop's lowered thread would wait for the cores the first search has.
        load_ahead(embedder)  # a command (no loops) loads it only if a text needs it
        loops.start()
    return services


def create_vault(settings: Settings, passphrase: str, embedder: Embedder, *, background: bool = True,
                 wall: Clock = system_clock, model: str | None = None) -> Services:
    """Create a new vault at ``settings.home`` and return its services (``wall``: the clock they use).

    ``model``: the bundled embedding model the vault uses (its name; default: ``embedder``'s).
    """
    if model is not None:
        embedder = embedder_for_model(embedder, manifest_named(model).model_id)
    vault = Vault.create(settings.home_path, passphrase, settings, dim=embedder.dimension, model_id=embedder.model_id)
    return _assemble(settings, vault, embedder, background=background, wall=wall)


def open_vault_with_key(settings: Settings, data_key: bytes, embedder: Embedder, *,
                        background: bool = True) -> Services:
    """Unlock with a raw data key kept in the OS keychain (automatic unlock)."""
    vault = Vault.unlock_with_key(settings.home_path, data_key, settings, dim=embedder.dimension)
    return _assemble(settings, vault, embedder, background=background)


def open_vault(settings: Settings, passphrase: str, embedder: Embedder, *, background: bool = True,
               wall: Clock = system_clock) -> Services:
    """Unlock the vault at ``settings.home`` and return its services.

    With ``background`` the loops of ``service/background.py`` (embedding
    worker, TTL purge, usage flush) run on daemon threads; without it, callers
    embed what they need themselves (the CLI does).
    """
    vault = Vault.unlock(settings.home_path, passphrase, settings, dim=embedder.dimension)
    return _assemble(settings, vault, embedder, background=background, wall=wall)
