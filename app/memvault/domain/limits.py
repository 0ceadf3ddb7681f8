"""Validation limits, declared once and used by every surface."""

CONTENT_MIN_CHARS = 1
CONTENT_MAX_CHARS = 50_000
#: Metadata is one JSON object: at most this many bytes (UTF-8, compact), top-level keys and levels of nesting.
METADATA_MAX_BYTES = 10 * 1024
METADATA_MAX_KEYS = 50
METADATA_MAX_DEPTH = 32
#: A metadata filter (search, list) names at most this many keys, each at most this long.
METADATA_FILTER_MAX_KEYS = 50
METADATA_KEY_MAX_CHARS = 256
#: Any JSON request body: at most this many levels of nesting (metadata sits two or three levels down).
JSON_BODY_MAX_DEPTH = 64
#: ... and no array or object in it holds more items than this (the longest list a route takes is 500
#: messages). Checked before the fields are: refusing each of a million bad items one by one cost a minute of CPU.
JSON_BODY_MAX_ITEMS = 10_000
#: ... and it holds at most this many JSON values in all, counted before it is parsed: parsing and checking cost
#: per value (24 MiB of ``[[],[],...]`` took 5 CPU-s; 600,000 values shaped to pass every item limit still cost
#: 0.7-0.9 CPU-s to refuse). A batch of 100 memories with 2,000 values each in tags and metadata fits; a larger
#: one is refused with a message to send it in parts.
JSON_BODY_MAX_VALUES = 200_000
#: Argon2id work (MiB of memory × passes, in KiB) a bundle's passphrase may ask of one HTTP import: ~0.8 CPU-s
#: on a 2-core Xeon (docs/benchmarks.md). Exports with the default settings ask 64 MiB × 3; a bundle asking more
#: (up to what any export writes, 256 MiB × 8) is imported from the CLI or the desktop app.
REQUEST_KDF_WORK_KIB = 512 * 1024
#: Integers anywhere in a request must fit SQLite's signed 64-bit integers.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
#: A list cursor is a short token this server issued; anything longer is not one.
CURSOR_MAX_CHARS = 200
TAG_MAX_CHARS = 64
TAGS_MAX = 50
#: A filter (search, list) names at most this many tags or memory types.
FILTER_LIST_MAX = 50
ID_FIELD_MAX_CHARS = 256
NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
#: Text with at least one visible character (ids, tags: the service refuses blank text).
VISIBLE_PATTERN = r"\S"
#: Content and queries: visible text without NUL characters.
CONTENT_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
DEFAULT_NAMESPACE = "default"
DEFAULT_IMPORTANCE = 0.5
BATCH_MAX = 100
SEARCH_LIMIT_MAX = 100
QUERY_MAX_CHARS = 10_000
LIST_LIMIT_MAX = 1000
DEDUP_THRESHOLD_DEFAULT = 0.95
DEDUP_THRESHOLD_MIN = 0.5
TTL_MAX_SECONDS = 10 * 365 * 24 * 3600
#: A memory's times are Unix seconds from 1970 (its clocks count from there) to the end of the year 9999.
TIME_MAX = 253402300799
DEFAULT_PER_MINUTE = 600
DEFAULT_PER_HOUR = 10_000
MIN_PASSPHRASE_CHARS = 8
