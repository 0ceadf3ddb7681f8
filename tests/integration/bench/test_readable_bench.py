"""``memvault bench --readable`` on a few hundred memories: the round trip is measured and found equal, and the
comparison it rests on does see a difference."""

import json

from memvault.bench.readable import _differing, run_readable_benchmark, write_input
from tests.helpers import fast_settings


def test_the_round_trip_is_timed_and_equal(tmp_path):
    lines: list[str] = []
    report = run_readable_benchmark(fast_settings(tmp_path / "unused"), n=300, progress=lines.append)
    assert report.equal and report.differing == 0 and report.n == 300 and report.history > 300
    assert report.export_s > 0 and report.import_s > 0 and report.file_mb > 0 and lines
    assert "field-for-field equal" in report.as_text()


def test_the_comparison_sees_one_changed_field(tmp_path):
    write_input(tmp_path / "a.jsonl", 20, 1.7e9)
    docs = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
    docs[7]["metadata"]["ratio"] += 1e-12
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(d) + "\n" for d in reversed(docs)), "utf-8")
    assert _differing(tmp_path / "a.jsonl", tmp_path / "a.jsonl") == 0
    assert _differing(tmp_path / "a.jsonl", tmp_path / "b.jsonl") == 1
