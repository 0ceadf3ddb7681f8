"""The one exception hierarchy of Memvault.

Every layer raises these; each surface (CLI, HTTP, GUI) maps them once.
Anything that is not a :class:`MemvaultError` is a bug and is left to crash.
"""

from __future__ import annotations


class MemvaultError(Exception):
    """An expected error with a plain message for the user.

    Attributes:
        code: a stable machine-readable code, used by the HTTP envelopes.
        exit_code: the CLI exit status for this kind of error.
    """

    code = "error"
    exit_code = 1

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(MemvaultError):
    """The caller sent something that breaks a documented rule."""

    code = "invalid_input"
    exit_code = 2


class NotFound(MemvaultError):
    """The named object does not exist (or is not visible to the caller)."""

    code = "not_found"


class Conflict(MemvaultError):
    """The request clashes with the current state (e.g. a name already taken)."""

    code = "conflict"


class ClientIdTaken(Conflict):
    """A memory with the same ``client_id`` already exists in the namespace (idempotent retries)."""

    code = "client_id_taken"


class JoinWouldShare(Conflict):
    """Joining a shared namespace would send what a namespace of that name already holds here to its members;
    it waits for a yes (``share_existing``)."""

    code = "join_would_share"


class VaultError(MemvaultError):
    """Base for problems opening or using the vault itself."""

    code = "vault_error"


class VaultMissing(VaultError):
    """No vault exists at the given location."""

    code = "vault_missing"


class VaultExists(VaultError):
    """A vault already exists where a new one was to be created."""

    code = "vault_exists"


class VaultLocked(VaultError):
    """The vault is locked; unlock it first."""

    code = "vault_locked"


class WrongPassphrase(VaultError):
    """The passphrase does not unwrap the vault's data key."""

    code = "wrong_passphrase"


class VaultCorrupt(VaultError):
    """The header or database file is damaged or not a Memvault file."""

    code = "vault_corrupt"


class VaultBusy(VaultError):
    """Another process holds the database's write lock for too long; retry shortly."""

    code = "vault_busy"

    def __init__(self, message: str, retry_after_seconds: float = 2.0) -> None:
        super().__init__(message, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class StorageFull(VaultError):
    """The disk holding the vault is full: nothing was written; reads keep working."""

    code = "storage_full"


class VaultReadOnly(VaultError):
    """The vault's folder or files cannot be written: it can be read, not changed."""

    code = "vault_read_only"


class StorageError(VaultError):
    """The operating system failed to read or write the vault's files (I/O error)."""

    code = "storage_error"


class VaultFilesMissing(StorageError):
    """The vault's database file was deleted or replaced while this process had it open: writes would go
    into a file nobody will ever read again, so they are refused."""

    code = "vault_files_missing"


class ModelError(MemvaultError):
    """The bundled embedding model is missing, altered or unusable."""

    code = "model_error"


class ExtractionFailed(MemvaultError):
    """Fact extraction of a conversation did not finish (it failed, or is still queued for a retry)."""

    code = "extraction_failed"


class ExtractionModelError(ModelError):
    """The bundled NLP pipeline for extraction is missing, altered or unusable.

    Only extraction stops; storing and searching keep working.
    """

    code = "extraction_model_error"


class RateLimited(MemvaultError):
    """Too many requests; retry after ``retry_after_seconds``."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class Unauthorized(MemvaultError):
    """No credentials, or credentials that match nothing."""

    code = "unauthorized"


class Forbidden(MemvaultError):
    """Valid credentials without the scope or namespace for this request."""

    code = "forbidden"


# --- Encrypted data (app/crypto/): headers, sealed values, streams, recipient stanzas ---


class DamagedData(MemvaultError):
    """Encrypted data whose framing or parameters are impossible: damaged, or written by something else."""

    code = "damaged_data"


class NotABundle(DamagedData):
    """A file given as a bundle that is none (another kind of file): the wrong file chosen, bad input."""

    exit_code = 2


class BundleTooDemanding(DamagedData):
    """A bundle's header asks for a key derivation no Memvault export writes (refused before running it)."""

    code = "bundle_too_demanding"

class DecryptionFailed(MemvaultError):
    """Authentication failed: a wrong key, passphrase or header, or data that was damaged or modified."""

    code = "decryption_failed"


class TamperedData(DecryptionFailed):
    """Part of an encrypted stream authenticated and a later part did not: damage or deliberate change."""

    code = "tampered_data"


class TruncatedData(TamperedData):
    """An encrypted stream ends before its final segment."""

    code = "truncated_data"


class WrongRecipient(DecryptionFailed):
    """A recipient stanza was made for another key pair."""

    code = "wrong_recipient"


class WrongBundlePassphrase(DecryptionFailed):
    """The passphrase given for a bundle does not unwrap its file key."""

    code = "wrong_bundle_passphrase"


class PassphraseRequired(InvalidInput):
    """A bundle that this vault's key does not open needs its passphrase (ask for it and try again)."""

    code = "passphrase_required"


class UnsupportedVersion(MemvaultError):
    """A file in a format version newer than this Memvault reads (a bundle from a later release)."""

    code = "unsupported_version"


# --- Sync (app/sync/, app/service/sync.py) ---


class SyncError(MemvaultError):
    """Sync cannot go on: a target that fails, a segment refused, sync not set up."""

    code = "sync_error"


class SyncNotSetUp(SyncError):
    """This vault has no sync target yet (``memvault sync setup``)."""

    code = "sync_not_set_up"


class SyncKeyError(SyncError):
    """The sync passphrase does not open the target's sync key, or a segment needs a key this device lacks."""

    code = "sync_key"


class SyncTargetError(SyncError):
    """The target (folder, S3, WebDAV) refused or failed a request; nothing was lost, sync retries later."""

    code = "sync_target"


class MassDeletePaused(SyncError):
    """Incoming changes would remove a large part of a namespace; they wait for a confirmation."""

    code = "mass_delete_paused"
