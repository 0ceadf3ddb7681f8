"""``memvault export --format jsonl|markdown`` and ``memvault import --from …``: consent to plaintext, dry runs,
JSON reports, one-line refusals with exit code 2."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli.test_bundle import _ids, env, run  # noqa: F401  (env is the fixture these tests use)
from tests.integration.transfer.test_importers import SAMPLES, sqlite_from


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_readable_export_needs_consent_and_round_trips_between_vaults(env, capsys):  # noqa: F811
    assert run(capsys, env, "a", "init")[0] == 0
    assert run(capsys, env, "b", "init")[0] == 0
    for text in ("The user prefers dark mode — ünïcode ✓", "Lunch with Ravi on Friday"):
        assert run(capsys, env, "a", "add", text, "--namespace", "work", "--tags", "x,y")[0] == 0
    target = env / "work.jsonl"
    code, out, err = run(capsys, env, "a", "export", "work", "--format", "jsonl", "-o", str(target))
    assert code == 2 and "not encrypted" in err and len(err.strip().splitlines()) == 1 and not target.exists()
    code, out, err = run(capsys, env, "a", "export", "work", "--format", "jsonl", "-o", str(target),
                         "--unencrypted-ok", "--json")
    assert code == 0, err
    assert json.loads(out)["memories"] == 2 and len(target.read_text("utf-8").splitlines()) == 2
    notes = env / "notes"
    code, out, err = run(capsys, env, "a", "export", "work", "--format", "markdown", "-o", str(notes),
                         "--unencrypted-ok")
    assert code == 0 and "NOT encrypted" in out and len(list((notes / "work").glob("*.md"))) == 2
    assert f"to 2 notes in the folder {notes} (" in out
    code, out, err = run(capsys, env, "b", "import", str(target), "--from", "jsonl", "--dry-run")
    assert code == 0 and out.startswith("Dry run: nothing was written. 2 memories in work.jsonl: 2 new")
    assert _ids(capsys, env, "b") == {}
    code, out, err = run(capsys, env, "b", "import", str(target), "--from", "jsonl", "--json")
    assert code == 0 and json.loads(out)["new"] == 2 and json.loads(out)["embedded"] == 2  # searchable at once
    assert set(_ids(capsys, env, "b")) == set(_ids(capsys, env, "a"))
    code, out, err = run(capsys, env, "b", "import", str(notes))  # a folder without --from: it says which to give
    assert code == 2 and err.strip().endswith("is a folder, not a bundle: import a folder of notes with --from "
                                              "markdown (a Memvault Markdown copy), --from obsidian or --from "
                                              "basic-memory")
    code, out, err = run(capsys, env, "b", "import", str(notes), "--from", "markdown")
    assert code == 0 and "0 new, 0 updated, 2 skipped" in out


def test_import_from_another_tool_and_a_bad_file(env, capsys):  # noqa: F811
    assert run(capsys, env, "b", "init")[0] == 0
    code, out, err = run(capsys, env, "b", "import", str(SAMPLES / "mem0" / "export.json"), "--from", "mem0",
                         "--into", "personal", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["new"], report["namespaces"]) == (3, ["personal"])
    broken = env / "broken.json"
    broken.write_text((SAMPLES / "mem0" / "export.json").read_text("utf-8")[:300], "utf-8")
    code, out, err = run(capsys, env, "b", "import", str(broken), "--from", "mem0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "broken.json line" in err
    assert len(_ids(capsys, env, "b")) == 3


@pytest.mark.seconds  # two vaults and an export (~2 s)
def test_ctrl_c_while_an_import_embeds_says_the_import_is_done(env, capsys, monkeypatch):  # noqa: F811
    """It said only "interrupted" after every memory had been stored, as if nothing had been imported."""
    from memvault.embedding.queue import EmbeddingWorker

    assert run(capsys, env, "a", "init")[0] == 0 and run(capsys, env, "b", "init")[0] == 0
    for i in range(3):
        run(capsys, env, "a", "add", "--no-wait", "--namespace", "work", f"note number {i}")
    source = env / "in.jsonl"
    assert run(capsys, env, "a", "export", "work", "--format", "jsonl", "-o", str(source), "--unencrypted-ok")[0] == 0

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(EmbeddingWorker, "run_once", interrupted)
    code, out, err = run(capsys, env, "b", "import", str(source), "--from", "jsonl")
    assert code == 130 and "the import itself is done (3 new, 0 updated)" in err
    assert "3 memories are not embedded yet" in err and "memvault reembed" in err
    monkeypatch.undo()
    code, out, _ = run(capsys, env, "b", "reembed")
    assert code == 0 and "Re-embedded 3 memories" in out


def test_an_import_says_which_memories_came_stamped_far_ahead(env, capsys):  # noqa: F811
    assert run(capsys, env, "a", "init")[0] == 0 and run(capsys, env, "b", "init")[0] == 0
    assert run(capsys, env, "a", "add", "--namespace", "work", "a note from a copy")[0] == 0
    copy = env / "ahead.jsonl"
    assert run(capsys, env, "a", "export", "work", "--format", "jsonl", "-o", str(copy), "--unencrypted-ok")[0] == 0
    doc = json.loads(copy.read_text("utf-8"))
    doc["hlc"] = "9999999999999-00000-" + "f" * 16
    copy.write_text(json.dumps(doc) + "\n", "utf-8")
    code, out, err = run(capsys, env, "b", "import", str(copy), "--from", "jsonl")
    assert code == 0, err
    assert "1 memory stamped more than a day ahead of this device's clock: new ones stamped now" in out


def test_one_of_a_kind_reads_in_the_singular(env, capsys, tmp_path):  # noqa: F811
    assert run(capsys, env, "b", "init")[0] == 0
    notes = tmp_path / "vault-notes"
    notes.mkdir()
    (notes / "kept.md").write_text("The boiler is serviced every October.\n", "utf-8")
    (notes / "empty.md").write_text("", "utf-8")
    code, out, err = run(capsys, env, "b", "import", str(notes), "--from", "obsidian")
    assert code == 0, err
    assert "1 empty note left out" in out
    mcp = sqlite_from(SAMPLES / "mcp-memory-service" / "memories.sql", tmp_path / "mcp.db")  # one row deleted
    code, out, err = run(capsys, env, "b", "import", str(mcp), "--from", "mcp-memory-service")
    assert code == 0, err
    assert "1 memory the source had deleted left out" in out


def test_an_import_into_another_namespace_of_the_same_vault_says_why_nothing_came(env, capsys):  # noqa: F811
    # It said "6 skipped (6 differ from the vault's: the later version of each was kept)": nothing differed, and
    # --into was not followed, since an import never moves a memory between namespaces.
    assert run(capsys, env, "a", "init")[0] == 0
    assert run(capsys, env, "a", "add", "--no-wait", "Lunch with Ravi on Friday")[0] == 0
    target = env / "default.jsonl"
    assert run(capsys, env, "a", "export", "default", "--format", "jsonl", "-o", str(target), "--unencrypted-ok")[0] == 0
    code, out, _ = run(capsys, env, "a", "import", str(target), "--from", "jsonl", "--into", "copy")
    assert code == 0 and "differ" not in out
    assert out.strip().splitlines() == [
        "1 memory in default.jsonl: 0 new, 0 updated, 1 skipped",
        "1 memory is already in another namespace of this vault, and an import never moves one: "
        "--on-conflict copy imports them as new memories"]
    code, out, _ = run(capsys, env, "a", "import", str(target), "--from", "jsonl", "--into", "copy", "--json")
    assert json.loads(out)["held_elsewhere"] == 1
    code, out, _ = run(capsys, env, "a", "import", str(target), "--from", "jsonl", "--into", "copy",
                       "--on-conflict", "copy", "--json")
    assert code == 0 and json.loads(out)["new"] == 1


@pytest.mark.seconds  # an export and three imports (~2 s)
def test_a_note_changed_in_the_file_and_in_the_vault_is_named_with_how_to_take_the_files(env, capsys):  # noqa: F811
    """An outside check: a Markdown note edited after its memory changed in the vault too was skipped with only
    "1 differs from the vault's: the later version of each was kept" (no id, no way to take the file's)."""
    assert run(capsys, env, "a", "init")[0] == 0
    for text in ("Frank prefers black tea", "Standup at 10"):
        assert run(capsys, env, "a", "add", text, "--namespace", "work")[0] == 0
    notes = env / "notes"
    assert run(capsys, env, "a", "export", "work", "--format", "markdown", "-o", str(notes), "--unencrypted-ok")[0] == 0
    frank = next(i for i, m in _ids(capsys, env, "a").items() if "Frank" in m["content"])
    assert run(capsys, env, "a", "edit", frank, "Frank prefers green tea")[0] == 0
    [note] = [p for p in (notes / "work").glob("*.md") if "Frank" in p.read_text("utf-8")]
    note.write_text(note.read_text("utf-8").replace("black tea", "oolong"), "utf-8")
    code, out, err = run(capsys, env, "a", "import", str(notes), "--from", "markdown")
    assert code == 0, err
    assert "1 differs from the vault's" in out
    assert f"changed in the file and in the vault since the export: {frank}; --on-conflict overwrite takes the " \
           "file's version, --on-conflict copy keeps both" in out
    code, out, err = run(capsys, env, "a", "import", str(notes), "--from", "markdown", "--on-conflict", "overwrite")
    assert code == 0 and f"changed in the file and in the vault since the export: {frank}\n" in out + "\n"
    assert "oolong" in _ids(capsys, env, "a")[frank]["content"]
    # The other note, unchanged on both sides, was no conflict at any point.
    code, out, err = run(capsys, env, "a", "import", str(notes), "--from", "markdown")
    assert code == 0 and "changed in the file" not in out
