"""Settings, declared once with their defaults, environment names and help.

Every setting can be given as an environment variable (``MEMVAULT_<NAME>``);
the CLI's ``--vault`` overrides ``home``. ``README.md`` documents each one,
and a test checks that it does.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from memvault.domain.errors import InvalidInput

APP_NAME = "memvault"


def _default_home() -> str:
    return str(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "vault")


@dataclass(frozen=True)
class Settings:
    """All of Memvault's settings. Construct with :func:`load_settings`."""

    home: str = field(
        default_factory=_default_home,
        metadata={"help": "Folder of the vault (database and key header)."},
    )
    kdf_memory_kib: int = field(
        default=65536,
        metadata={"range": (1024, 4194304), "help": "Argon2id memory cost in KiB for new vaults and passphrase changes (1024..4194304)."},
    )
    kdf_iterations: int = field(
        default=3, metadata={"range": (1, 64), "help": "Argon2id iterations for new vaults and passphrase changes (1..64)."}
    )
    embed_threads: int = field(
        default=0,
        metadata={"range": (0, 256), "help": "Threads that embed batches side by side, one batch each; 0 means one per physical core."},
    )
    embed_batch_size: int = field(
        default=64, metadata={"range": (1, 4096), "help": "Most texts in one ONNX batch (batches are formed after sorting by length)."}
    )
    embed_batch_tokens: int = field(
        default=1024,
        metadata={"range": (16, 1048576), "help": "Most padded tokens in one ONNX batch; bounds the inference memory."},
    )
    embed_precision: str = field(
        default="int8",
        metadata={"choices": ("int8", "fp32"),
                  "help": "Embedding arithmetic: int8 (faster, within cosine 0.999 of fp32) or fp32."},
    )
    worker_batch_size: int = field(
        # Each claim is embedded as one length-sorted set, so a larger claim pads less: on 3,000 bench
        # texts, claims of 100 / 256 / 1024 ran at 79% / 87% / 97% of embedding them as one set. A claim
        # takes what is queued, so a lone store is still embedded at once.
        default=1024, metadata={"range": (1, 65536), "help": "Embedding jobs the background worker takes at once."}
    )
    worker: bool = field(
        default=True,
        metadata={"help": "Run the background embedding worker (off only for tests and tools)."},
    )
    lower_background: bool = field(
        default=False,
        metadata={"help": "On Linux, run the background loops (embedding, entities, facts, sync) at the lowest CPU "
                          "priority (nice 19): searches get the cores first while an ingest is processed, on a machine "
                          "nothing else keeps busy. Off by default: when other programs load the CPU, a lowered loop "
                          "holding Python's interpreter lock stalls the whole process (requests waited over a second)."},
    )
    extraction_llm_url: str = field(
        default="",
        metadata={"form": "http url", "help": "OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1) for fact extraction by a "
                          "local language model; empty: on-device extraction only."},
    )
    extraction_llm_model: str = field(default="", metadata={"help": "The model the extraction endpoint runs."})
    extraction_llm_api_key: str = field(
        default="", metadata={"help": "Bearer key for the extraction endpoint, if it needs one."})
    extraction_llm_timeout_seconds: int = field(
        default=30, metadata={"range": (1, 3600), "help": "How long to wait for the extraction endpoint before falling back."})
    extraction_llm_allow_remote: bool = field(
        default=False, metadata={"help": "Allow an extraction endpoint that is not on this machine (loopback)."})
    purge_interval_seconds: int = field(
        default=3600, metadata={"range": (1, 604800), "help": "How often expired memories are purged."}
    )
    sync_interval_seconds: float = field(
        default=300, metadata={"range": (1, 604800), "help": "Seconds between background sync cycles (with sync set up)."}
    )
    sync_debounce_seconds: float = field(
        default=2.0, metadata={"range": (0, 3600), "help": "Seconds a background sync waits after a local change (changes in a burst "
                                        "go out together)."}
    )
    backup_folder: str = field(
        default="",
        metadata={"form": "absolute path", "help": "Folder for scheduled whole-vault backups while the app or server runs (empty: none)."},
    )
    backup_interval_hours: int = field(
        default=24, metadata={"range": (1, 8760), "help": "Hours between scheduled backups (with a backup folder set)."}
    )
    backup_keep: int = field(
        default=7, metadata={"range": (1, 10000), "help": "Scheduled backups kept in the backup folder; older ones are deleted."}
    )
    reader_connections: int = field(
        default=2, metadata={"range": (1, 64), "help": "Read-only database connections kept open."}
    )
    reader_cache_mib: int = field(
        # At 100k memories 24 MiB kept hybrid search as fast as 48 (p50 ~18 ms either way; 16 cost ~2 ms,
        # 8 cost ~12 ms) and the app 20 MB smaller: the browser's counts otherwise fill the caches with rows.
        default=24,
        metadata={"range": (1, 65536), 
            "help": "Page cache per reader connection in MiB (memory rows, keyword index). Semantic search "
            "reads vectors from the in-memory index, not from these pages, so they need not hold the vector table. "
            "Past ~250k vectors it grows by 96 bytes a vector, so that a search's candidate checks stay in cache."
        },
    )

    api_port: int = field(
        default=7411, metadata={"range": (0, 65535), "help": "Port of the agent API that the desktop app starts (0 picks a free one)."}
    )
    api_bundle_upload_max_mib: int = field(
        default=2048,
        metadata={"range": (1, 1048576), "help": "Largest bundle POST /v1/import accepts, in MiB (streamed to a file in the vault folder; "
                          "every other request body stays under 24 MiB)."},
    )
    api_in_gui: bool = field(
        default=True, metadata={"help": "Start the agent API when the desktop app unlocks the vault."}
    )
    idle_lock_minutes: int = field(
        default=15, metadata={"range": (0, 10080), "help": "Lock the desktop app after this many idle minutes (0 never locks)."}
    )
    idle_lock_agents: str = field(
        default="answer_locked",
        metadata={"choices": ("answer_locked", "stay_unlocked"),
                  "help": "What agents meet when the desktop app is idle: answer_locked (it locks; the agent API "
                          "stays on its port and answers 423 Locked, over MCP a tool error saying to unlock Memvault) "
                          "or stay_unlocked (agent requests count as activity, so it stays unlocked while they work)."},
    )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()


def setting_fields() -> list[dataclasses.Field]:
    """The declared settings, in order."""
    return list(dataclasses.fields(Settings))


def env_name(name: str) -> str:
    """The environment variable that sets ``name``."""
    return f"MEMVAULT_{name.upper()}"


def problem_with(name: str, value: object) -> str | None:
    """What is wrong with ``value`` as the setting ``name`` ("must be …"), or ``None``: its declared range
    (numbers), choices (words) or form (an absolute folder, an http(s) URL; empty is always allowed there)."""
    f = {f.name: f for f in setting_fields()}[name]
    choices = f.metadata.get("choices")
    if choices is not None and value not in choices:
        return f"must be one of {', '.join(choices)}"
    bounds = f.metadata.get("range")
    if bounds is not None and isinstance(value, (int, float)) and not bounds[0] <= value <= bounds[1]:
        return f"must be between {bounds[0]} and {bounds[1]}"
    form = f.metadata.get("form")
    if form is None or not isinstance(value, str) or not value:
        return None
    if form == "absolute path" and not Path(value).expanduser().is_absolute():
        return "must be an absolute folder path (a relative one would depend on where Memvault was started)"
    if form == "http url" and not value.lower().startswith(("http://", "https://")):
        return "must be an http(s) URL such as http://127.0.0.1:11434/v1"
    return None


def _coerce(f: dataclasses.Field, raw: str) -> object:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return value
        if kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise InvalidInput(f"{env_name(f.name)}={raw!r} is not a valid {kind}") from None
    return raw


def _checked(f: dataclasses.Field, raw: str) -> object:
    value = _coerce(f, raw)
    problem = problem_with(f.name, value)
    if problem is not None:
        raise InvalidInput(f"{env_name(f.name)}={raw!r}: {problem}")
    return value


def parse_setting(name: str, raw: str) -> object:
    """``raw`` as the value of the setting ``name`` (as the environment would give it)."""
    fields = {f.name: f for f in setting_fields()}
    if name not in fields:
        raise InvalidInput(f"no setting named {name!r}")
    return _checked(fields[name], raw)


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from defaults, then the environment, then explicit overrides."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, object] = {}
    for f in setting_fields():
        raw = environ.get(env_name(f.name))
        if raw is not None and raw != "":
            values[f.name] = _checked(f, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
