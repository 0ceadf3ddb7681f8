"""Bundles as use cases: export namespaces, look inside a bundle, import one, and this vault's recipient key.

Every long call takes ``progress(stage, done, total)`` and ``cancelled()``
callbacks so that a surface can show a bar with a Cancel button (the GUI runs
these calls off its thread). A cancelled export leaves no file; a cancelled
import leaves the vault exactly as it was.
"""

from __future__ import annotations

import enum
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from memvault import __version__
from memvault.bundle import format as fmt
from memvault.bundle import records
from memvault.config import Settings
from memvault.crypto import recipients
from memvault.crypto.digest import random_bytes
from memvault.crypto.kdf import KdfParams
from memvault.crypto.stream import DEFAULT_SEGMENT_SIZE
from memvault.domain import limits
from memvault.domain.changes import IMPORT, ChangeOrigin
from memvault.domain.clock import Clock, system_clock
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.hlc import HybridClock
from memvault.service import validation as v
from memvault.service.bundle_import import (
    Cancelled,
    Importer,
    ImportOptions,
    ImportReport,
    Progress,
    open_bundle,
)
from memvault.service.events import EventHub
from memvault.service.files import user_file
from memvault.vault import export_queries as q
from memvault.vault import identity
from memvault.vault.engine import Database

#: The file name ending of bundles.
SUFFIX = fmt.SUFFIX
#: The HTTP export hands the client about this much at a time.
STREAM_CHUNK_BYTES = 1024 * 1024
_PROGRESS_EVERY = 200


@dataclass(frozen=True)
class ExportRequest:
    """What to export and for whom: a passphrase, recipient keys (``mvpub1…`` text), or both."""

    namespaces: tuple[str, ...]
    passphrase: str | None = None
    recipients: tuple[str, ...] = ()
    include_history: bool = True
    include_deleted: bool = False


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    namespaces: tuple[str, ...]
    memories: int
    history: int
    with_vectors: int
    bytes: int
    seconds: float
    cancelled: bool = False


@dataclass(frozen=True)
class BundleInfo:
    """What a bundle holds, once opened (``verified``: the whole body authenticated and matched its digest)."""

    version: int
    created_at: float
    source_vault: str
    source_device: str
    has_passphrase: bool
    recipients: int
    for_this_vault: bool
    manifest: fmt.Manifest
    bytes: int
    verified: bool
    body_bytes: int = 0


class Opening(enum.Enum):
    """How a bundle opens in this vault."""

    THIS_VAULT = "this_vault"  # encrypted for this vault's recipient key: no passphrase needed
    PASSPHRASE = "passphrase"  # ask for the bundle's passphrase
    OTHER_RECIPIENTS = "other_recipients"  # made for other vaults' keys only: it cannot be opened here


@dataclass(frozen=True)
class _Plan:
    request: ExportRequest
    kdf: KdfParams | None
    keys: tuple[bytes, ...]


class BundleService:
    """Export and import bundles of one vault.

    Args:
        db: the open database.
        clock: the device's hybrid logical clock.
        events: where imports announce their changes.
        settings: Argon2id costs for bundle passphrases.
        model_id, dimension: the embedding model whose vectors an import can reuse.
        wall: the wall clock.
        wake_worker: called when an import queued embedding jobs.
        segment_size: plaintext bytes per stream segment of new bundles (small in tests).
    """

    def __init__(self, db: Database, clock: HybridClock, events: EventHub, settings: Settings, *, model_id: str,
                 dimension: int, wall: Clock = system_clock, wake_worker: Callable[[], None] | None = None,
                 segment_size: int = DEFAULT_SEGMENT_SIZE) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._model_id = model_id
        self._dimension = dimension
        self._wall = wall
        self.segment_size = segment_size
        self._importer = Importer(db, clock, events, model_id=model_id, dimension=dimension,
                                  private_key=self._private_key, wall=wall, wake_worker=wake_worker or (lambda: None))

    @property
    def upload_limit_bytes(self) -> int:
        """The largest bundle an upload (HTTP import) may send."""
        return max(1, self._settings.api_bundle_upload_max_mib) * 1024 * 1024

    @property
    def spool_folder(self) -> Path:
        """Where an uploaded bundle waits for its import: beside the vault (same disk it is imported to, and
        not a RAM-backed /tmp); the bundle is already encrypted, so its bytes there are not readable."""
        return self._settings.home_path

    # -- keys ---------------------------------------------------------------------------------------------

    def _private_key(self) -> bytes:
        with self._db.read() as conn:
            return identity.recipient_private_key(conn)

    def recipient_key(self) -> str:
        """This vault's public recipient key as ``mvpub1…`` text: others export bundles that only it opens."""
        return recipients.key_pair_from_private(self._private_key()).public_text

    # -- export -------------------------------------------------------------------------------------------

    def _plan(self, request: ExportRequest) -> _Plan:
        if not request.namespaces:
            raise InvalidInput("name at least one namespace to export", field="namespaces")
        names = tuple(dict.fromkeys(v.namespace(ns) for ns in request.namespaces))
        keys = tuple(recipients.public_key_from_text(text) for text in request.recipients)
        if request.passphrase is None and not keys:
            raise InvalidInput("a bundle needs a passphrase or at least one recipient key")
        kdf = None
        if request.passphrase is not None:
            if len(request.passphrase) < limits.MIN_PASSPHRASE_CHARS:
                raise InvalidInput(f"the bundle passphrase must have at least {limits.MIN_PASSPHRASE_CHARS} "
                                   "characters", field="passphrase")
            kdf = fmt.bundle_kdf(self._settings.kdf_memory_kib, self._settings.kdf_iterations)
        with self._db.read() as conn:
            known = q.namespaces_present(conn, names)
        missing = [ns for ns in names if ns not in known]
        if missing:
            raise NotFound(f"no namespace named {', '.join(missing)}")
        return _Plan(ExportRequest(names, request.passphrase, request.recipients, request.include_history,
                                   request.include_deleted), kdf, keys)

    def _steps(self, sink: BinaryIO, plan: _Plan, *, rng: Callable[[int], bytes] = random_bytes,
               progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None) -> Iterator[None]:
        """Write the bundle, yielding after each memory; the generator's return value is the report."""
        started = time.perf_counter()
        r = plan.request
        now = self._wall()
        with self._db.read() as conn:
            counts = q.export_counts(conn, r.namespaces, include_deleted=r.include_deleted,
                                     include_history=r.include_history, now=now)
            manifest = fmt.Manifest(tuple(fmt.NamespaceCounts(c.namespace, c.memories, c.deleted, c.history)
                                          for c in counts), self._model_id, self._dimension, r.include_history,
                                    r.include_deleted, __version__)
            writer = fmt.BundleWriter(sink, manifest, now, identity.vault_id(conn), self._clock.device_id,
                                      passphrase=r.passphrase, kdf=plan.kdf, recipient_keys=plan.keys,
                                      segment_size=self.segment_size, rng=rng)
            done = with_vectors = 0
            try:
                for record in q.iter_records(conn, r.namespaces, include_history=r.include_history,
                                             include_deleted=r.include_deleted, now=now, dimension=self._dimension):
                    for line in records.encode(record):
                        writer.add(line)
                    done += 1
                    with_vectors += record.vectors is not None
                    if done % _PROGRESS_EVERY == 0:
                        if cancelled is not None and cancelled():
                            raise Cancelled
                        if progress is not None:
                            progress("exporting", done, manifest.memories)
                    yield
            except BaseException:
                writer.abandon()
                raise
            writer.close()
        if progress is not None:
            progress("exporting", done, manifest.memories)
        return ExportReport(r.namespaces, done, writer.lines.get("history", 0), with_vectors, writer.bytes_written,
                            time.perf_counter() - started)

    def export(self, sink: BinaryIO, request: ExportRequest, *, progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None, rng: Callable[[int], bytes] = random_bytes) -> ExportReport:
        """Write a bundle of ``request.namespaces`` to ``sink`` in constant memory.

        A cancelled export raises nothing and returns a report with ``cancelled``;
        what was written to ``sink`` by then is a truncated bundle every reader refuses.
        """
        steps = self._steps(sink, self._plan(request), rng=rng, progress=progress, cancelled=cancelled)
        try:
            while True:
                next(steps)
        except StopIteration as stop:
            return stop.value
        except Cancelled:
            return ExportReport(tuple(request.namespaces), 0, 0, 0, 0, 0.0, cancelled=True)

    def export_to_file(self, path: Path, request: ExportRequest, *, replace: bool = False,
                       progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> ExportReport:
        """Export to ``path`` atomically: the file appears only when the bundle is complete.

        An existing file is refused unless ``replace`` (the user confirmed it, as a save dialog asks), and a file in
        the vault's own folder always is: ``-o vault.db`` would otherwise destroy the vault it exports.
        """
        path = Path(path)
        self._plan(request)  # refuse bad requests before creating anything
        home = self._settings.home_path.resolve()
        if path.resolve() == home or home in path.resolve().parents:
            raise InvalidInput(f"{path} is in the vault's own folder ({home}): write the bundle somewhere else",
                               field="output")
        if path.exists() and not replace:
            raise InvalidInput(f"{path} already exists; choose a new name (nothing is overwritten)", field="output")
        with user_file(path, "write"):
            return self._export_to_file(path, request, progress, cancelled)

    def _export_to_file(self, path: Path, request: ExportRequest, progress: Progress | None,
                        cancelled: Callable[[], bool] | None) -> ExportReport:
        _sweep_abandoned_exports(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{_PARTIAL_PREFIX}{os.getpid()}-", suffix=fmt.SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                report = self.export(fh, request, progress=progress, cancelled=cancelled)
                fh.flush()
                os.fsync(fh.fileno())
            if report.cancelled:
                Path(tmp).unlink(missing_ok=True)
                return report
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return report

    def export_chunks(self, request: ExportRequest) -> Iterator[bytes]:
        """The bundle as successive byte chunks (for HTTP streaming); the request is checked before this returns."""
        plan = self._plan(request)
        return self._chunks(plan)

    def _chunks(self, plan: _Plan) -> Iterator[bytes]:
        spool = _Spool()
        for _ in self._steps(spool, plan):
            if spool.size >= STREAM_CHUNK_BYTES:
                yield spool.take()
        if spool.size:
            yield spool.take()

    # -- reading ------------------------------------------------------------------------------------------

    def how_it_opens(self, path: Path) -> Opening:
        """How the bundle at ``path`` can be opened here: with this vault's key, with its passphrase (ask for it),
        or not at all (it was made for other recipients); a file that is not a bundle raises."""
        with user_file(path, "read"), open(path, "rb") as fh:
            header = fmt.read_header(fh)
        if header.is_for(recipients.key_pair_from_private(self._private_key()).public):
            return Opening.THIS_VAULT
        return Opening.PASSPHRASE if header.passphrase is not None else Opening.OTHER_RECIPIENTS

    def inspect(self, path: Path, *, passphrase: str | None = None, verify: bool = True,
                progress: Progress | None = None) -> BundleInfo:
        """Open the bundle at ``path`` and describe it; with ``verify`` the whole body is authenticated too."""
        with user_file(path, "read"):
            size = os.path.getsize(path)
            return self._inspect(path, size, passphrase, verify, progress)

    def _inspect(self, path: Path, size: int, passphrase: str | None, verify: bool,
                 progress: Progress | None) -> BundleInfo:
        with open(path, "rb") as fh:
            header, key = open_bundle(fh, self._private_key(), passphrase)
            manifest = fmt.open_manifest(header, key)
            body = 0
            if verify:
                tick = None if progress is None else (lambda n: progress("verifying", fh.tell(), size))
                body = fmt.verify_body(fh, header, key, tick).plaintext_bytes
        return BundleInfo(header.version, header.created_at, header.source_vault, header.source_device,
                          header.passphrase is not None, header.recipient_count,
                          header.is_for(recipients.key_pair_from_private(self._private_key()).public), manifest,
                          size, verify, body)

    # -- import -------------------------------------------------------------------------------------------

    def import_bundle(self, path: Path, options: ImportOptions | None = None, *, passphrase: str | None = None,
                      progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                      origin: ChangeOrigin = IMPORT) -> ImportReport:
        """Verify the bundle at ``path`` from end to end, then import it in one transaction (or only report,
        with ``options.dry_run``). See :mod:`memvault.service.bundle_import` for the conflict rules."""
        with user_file(path, "read"):
            return self._importer.run(Path(path), options or ImportOptions(), passphrase=passphrase,
                                      progress=progress, cancelled=cancelled, origin=origin)


class _Spool:
    """A write-only sink that collects bytes until they are taken."""

    def __init__(self) -> None:
        self._parts: list[Any] = []
        self.size = 0

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return out


#: An export in progress writes ``.export-<pid>-<random>.mvbundle`` beside its target and renames it when done.
_PARTIAL_PREFIX = ".export-"
#: A partial export without a process id in its name (written before they had one) is abandoned after this long.
_UNNAMED_PARTIAL_SECONDS = 24 * 3600


def _sweep_abandoned_exports(folder: Path) -> None:
    """Delete the partial files of exports whose process is gone (killed: nothing else could remove them)."""
    for partial in folder.glob(f"{_PARTIAL_PREFIX}*{fmt.SUFFIX}"):
        pid_text = partial.name[len(_PARTIAL_PREFIX):].split("-", 1)[0]
        try:
            if pid_text.isdigit():
                if _alive(int(pid_text)):
                    continue
            elif time.time() - partial.stat().st_mtime < _UNNAMED_PARTIAL_SECONDS:
                continue
            partial.unlink()
        except OSError:
            continue  # another export swept it first, or the folder is not ours to clean


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
