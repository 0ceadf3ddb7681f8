-- mem0's history table (mem0/memory/storage.py, SQLiteManager), as its open-source Memory class writes it.
CREATE TABLE history (
    id           TEXT PRIMARY KEY,
    memory_id    TEXT,
    old_memory   TEXT,
    new_memory   TEXT,
    event        TEXT,
    created_at   DATETIME,
    updated_at   DATETIME,
    is_deleted   INTEGER,
    actor_id     TEXT,
    role         TEXT
);
INSERT INTO history VALUES ('h-0001', 'm-0001', NULL, 'Lives in Oslo', 'ADD', '2024-05-01T10:00:00.000000', NULL, 0, 'sample-user', 'user');
INSERT INTO history VALUES ('h-0002', 'm-0001', 'Lives in Oslo', 'Lives in Bergen', 'UPDATE', '2024-05-01T10:00:00.000000', '2024-06-12T08:30:00.000000', 0, 'sample-user', 'user');
INSERT INTO history VALUES ('h-0003', 'm-0002', NULL, 'Has a dog named Pixel', 'ADD', '2024-05-03T12:00:00.000000', NULL, 0, NULL, 'user');
INSERT INTO history VALUES ('h-0004', 'm-0003', NULL, 'Is learning Japanese', 'ADD', '2024-05-04T12:00:00.000000', NULL, 0, NULL, 'user');
INSERT INTO history VALUES ('h-0005', 'm-0003', 'Is learning Japanese', NULL, 'DELETE', '2024-05-04T12:00:00.000000', '2024-07-01T12:00:00.000000', 1, NULL, 'user');
