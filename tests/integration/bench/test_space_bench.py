"""The bench's vault size rows, on a small vault with the fake embedder."""

from memvault.bench.service import measure_space, space_lines
from memvault.domain.models import MemoryCreate


def test_bytes_per_memory_counts_used_pages_and_the_breakdown_adds_up(services):
    for at in range(0, 300, 100):
        services.memories.create_batch([MemoryCreate(content=f"note {i} on the vault's size") for i in range(at, at + 100)])
    services.worker.drain()
    per_memory, space = measure_space(services, 300, breakdown=True)
    file_space = services.stats.file_space()
    assert per_memory == (file_space.pages - file_space.free_pages) * file_space.page_size / 300
    # The plaintext copy is packed and has no per-page encryption overhead: it never exceeds the file.
    assert 0.7 * per_memory * 300 < sum(space.values()) <= file_space.pages * file_space.page_size
    assert 300 * 768 < space["chunk_vectors"] < 300 * 768 * 1.3, "one float16 copy of each vector"
    assert space["knn_snapshot"] < 300 * 400, "the snapshot holds the graph, not the vectors"
    assert space.get("knn_log", 0) < 300 * 768, "a saved snapshot leaves the log empty"
    assert space.get("oplog", 0) <= 4096, "the snapshot drops the oplog entries nothing will read (sync is off)"
    lines = space_lines({"300": per_memory}, space)
    assert f"300 memories {per_memory:,.0f}" in lines[0] and "chunk_vectors" in lines[1]
