-- The memories table of mcp-memory-service's sqlite_vec backend (src/mcp_memory_service/storage/sqlite_vec.py):
-- tags comma-separated, metadata JSON text, times as Unix seconds plus ISO text; deleted_at marks a soft delete.
CREATE TABLE memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_hash TEXT UNIQUE NOT NULL,
    content TEXT NOT NULL,
    tags TEXT,
    memory_type TEXT,
    metadata TEXT,
    created_at REAL,
    updated_at REAL,
    created_at_iso TEXT,
    updated_at_iso TEXT,
    deleted_at REAL DEFAULT NULL
);
INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, created_at_iso, updated_at_iso)
VALUES ('c0ffee0000000000000000000000000000000000000000000000000000000001', 'The staging database runs on port 5433', 'infra,postgres', 'note', '{"project": "sample"}', 1709290800.5, 1709290800.5, '2024-03-01T11:00:00.500000Z', '2024-03-01T11:00:00.500000Z');
INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, created_at_iso, updated_at_iso)
VALUES ('c0ffee0000000000000000000000000000000000000000000000000000000002', 'Decided to use ruff instead of flake8', 'decision, tooling', 'decision', '{}', 1711962000.0, 1712048400.0, '2024-04-01T09:00:00Z', '2024-04-02T09:00:00Z');
INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, created_at_iso, updated_at_iso, deleted_at)
VALUES ('c0ffee0000000000000000000000000000000000000000000000000000000003', 'An obsolete note', '', 'note', NULL, 1700000000.0, 1700000000.0, '2023-11-14T22:13:20Z', '2023-11-14T22:13:20Z', 1712000000.0);
