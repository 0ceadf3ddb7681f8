"""What a person sees from the CLI: checks before work, no model for reads, readable output, progress."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys

import pytest

from memvault.cli import common
from tests.helpers import PASSPHRASE, ROOT
from tests.helpers.cli import run


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def embedders(monkeypatch):
    """Every embedder a command builds, to ask afterwards whether its model was loaded."""
    made = []
    build = common.lazy_embedder

    def spy(settings):
        made.append(build(settings))
        return made[-1]

    monkeypatch.setattr(common, "lazy_embedder", spy)
    return made


def test_read_only_commands_and_bad_input_never_load_the_model(env, capsys, embedders):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "add", "--json", "--no-wait", "The user prefers dark mode")
    memory_id = json.loads(out)["memory"]["id"]
    embedders.clear()
    for argv in (["list"], ["get", memory_id], ["stats"], ["keys", "list"], ["search", "dark", "--mode", "keyword"]):
        assert run(capsys, *argv)[0] == 0, argv
    assert len(embedders) == 5 and not any(e.loaded for e in embedders)
    embedders.clear()
    for argv in (["list", "--namespace", "bad name!"], ["add", ""], ["search", "x", "--limit", "0"],
                 ["add", "x", "--importance", "3"], ["stats", "-n", "no/slash"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1, (argv, err)
    assert embedders == []  # rejected before the vault was opened


@pytest.mark.slow
def test_a_command_that_embeds_loads_the_model_once_asked(env, capsys, embedders):
    # The other side of the test above: the same spy sees the model load when a query needs it.
    run(capsys, "init")
    assert run(capsys, "search", "dark", "--mode", "semantic")[0] == 0
    assert embedders[-1].loaded


@pytest.mark.slow
def test_search_output_is_rendered(env, capsys):
    run(capsys, "init")
    run(capsys, "add", "The user prefers dark mode in all applications")
    code, out, _ = run(capsys, "search", "dark mode", "--mode", "hybrid", "--debug")
    assert code == 0 and "dark mode" in out
    assert "**" not in out  # the index's match markers are not printed literally
    assert "how it scored:" in out and "{" not in out and "'semantic'" not in out
    assert "semantic similarity 0." in out and "BM25" in out
    # Each command loads the model anew: said apart, so the search's own time is the one on its line.
    assert "Note: loading the embedding model took" in out
    assert "loading the embedding model" not in run(capsys, "search", "dark mode", "--mode", "keyword")[1]


def test_a_search_whose_filters_leave_nothing_says_so_not_no_good_match(env, capsys):
    # It said "0 hits … no good match: no hit reaches a relevance of 0.025", as if the memories were searched.
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "--type", "fact", "Priya works as a product designer")
    code, out, _ = run(capsys, "search", "Priya", "--mode", "keyword", "--type", "task", "--tags", "x,y")
    assert code == 0 and "no good match" not in out
    assert out.strip() == ("0 hits: no memory in namespace 'default' matches --type task and --tags x,y "
                           "(1 memory without them)")
    code, out, _ = run(capsys, "search", "Priya", "--mode", "keyword", "--type", "fact")
    assert code == 0 and "Priya works" in out
    # Memories the filters keep, and none matching the words: the search's own answer.
    code, out, _ = run(capsys, "search", "zebra", "--mode", "keyword", "--type", "fact")
    assert code == 0 and out.startswith("0 hits, mode keyword")


def test_a_search_of_an_empty_namespace_names_where_the_memories_are(env, capsys):
    # A new user's memories were in the namespace an importer chose; searching the default one said
    # "0 hits … no good match: no hit reaches a relevance of 0.025", as if something had been searched.
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "--namespace", "chats", "Priya works as a product designer")
    run(capsys, "add", "--no-wait", "--namespace", "notes", "Priya moved to Leeds")
    code, out, _ = run(capsys, "search", "Priya", "--mode", "keyword")
    assert code == 0 and "no good match" not in out
    assert out.strip() == ("0 hits: namespace 'default' holds no memories; 2 memories are in chats, notes "
                           "(search them with --all-namespaces, or --namespace NAME)")
    code, out, _ = run(capsys, "search", "Priya", "--mode", "keyword", "--all-namespaces")
    assert code == 0 and "Priya works" in out and "Priya moved" in out
    # A namespace that holds memories, none of them matching: the search's own answer.
    code, out, _ = run(capsys, "search", "zebra", "--mode", "keyword", "--namespace", "chats")
    assert code == 0 and out.startswith("0 hits, mode keyword")


def test_passwd_checks_the_current_passphrase_before_asking_for_a_new_one(env, capsys, monkeypatch):
    run(capsys, "init")
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or "a brand new passphrase")
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "not the passphrase")
    code, _, err = run(capsys, "passwd")
    assert code == 1 and "wrong passphrase" in err and asked == []
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "passwd")[0] == 0
    assert asked == ["New passphrase: ", "Repeat new passphrase: "]
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "a brand new passphrase")
    assert run(capsys, "list")[0] == 0


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_serve_rejects_a_port_out_of_range_in_one_line(env, capsys, port):
    run(capsys, "init")
    code, _, err = run(capsys, "serve", "--port", port)
    assert code == 2 and "between 0 and 65535" in err and err.count("\n") == 1


def test_serve_on_a_taken_port_says_so_in_one_line(env, capsys):
    run(capsys, "init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        code, _, err = run(capsys, "serve", "--port", str(taken.getsockname()[1]))
    assert code == 2 and err.count("\n") == 1 and "cannot listen on 127.0.0.1:" in err and "--port" in err


@pytest.mark.slow
def test_progress_is_drawn_on_a_terminal_only(env, capsys, monkeypatch):
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "The user prefers dark mode")
    code, out, err = run(capsys, "reembed", "--all")
    assert code == 0 and "Re-embedded 1 memory" in out and "re-embedding" not in err
    monkeypatch.setattr("memvault.cli.progress.stdout_is_terminal", lambda: True)
    code, out, err = run(capsys, "reembed", "--all")
    assert code == 0 and "re-embedding" in err and "1 of 1" in err
    code, out, err = run(capsys, "reembed", "--all", "--json")
    assert json.loads(out)["done"] == 1 and "re-embedding" not in err


@pytest.mark.seconds
def test_memory_text_cannot_steer_the_terminal(env, capsys, monkeypatch):
    """Any agent or imported file writes memory text; escape, bell and bidi override characters in it are
    printed as their escapes by list, get and search, and in error messages that quote what was given."""
    run(capsys, "init")
    hostile = "line1\ttab\x07bell\x1b[31mred\x1b]0;title\x07 \u202eevil"
    code, out, _ = run(capsys, "add", hostile, "--json")
    assert code == 0
    memory_id = json.loads(out)["memory"]["id"]
    for argv in (("list",), ("get", memory_id), ("search", "bell red", "--mode", "keyword")):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "bell" in out, argv
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, argv
        assert "\\x1b" in out, argv  # shown, not obeyed
    code, _, err = run(capsys, "get", "no\x1b[2Jsuch")
    assert code != 0 and err == "memvault: no memory with id no\\x1b[2Jsuch\n"


@pytest.mark.seconds
def test_memory_text_cannot_write_the_clis_own_bold(env, capsys, monkeypatch):
    """Bold on and off are the two sequences the CLI writes itself; a memory holding them printed them raw,
    turning the rest of a listing bold. On a terminal the search's own bold still marks the matched words."""
    from memvault.cli import format as fmt

    run(capsys, "init")
    code, out, _ = run(capsys, "add", "A \x1b[1mloud\x1b[0m kettle note", "--json")
    memory_id = json.loads(out)["memory"]["id"]
    for argv in (("list",), ("get", memory_id), ("search", "kettle", "--mode", "keyword")):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "\x1b" not in out and "\\x1b[1mloud\\x1b[0m" in out, (argv, out)
    monkeypatch.setattr(fmt, "terminal_bold", lambda: ("\x1b[1m", "\x1b[0m"))
    code, out, _ = run(capsys, "search", "kettle", "--mode", "keyword")
    assert "\x1b[1mkettle\x1b[0m" in out and "\\x1b[1mloud" in out and out.count("\x1b[1m") == 1, out


@pytest.mark.slow  # a memvault process of its own
@pytest.mark.parametrize("bare", [False, True], ids=["this environment", "a bare one"])
def test_output_into_a_closed_pipe_ends_quietly(env, capsys, bare):
    """`memvault list | head -1`: the reader leaves before the output is written. No traceback, the status a
    shell gives a command that SIGPIPE ended."""
    import os
    import subprocess
    import sys

    run(capsys, "init")
    run(capsys, "add", "--no-wait", "one memory to list")
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before memvault writes anything
    try:
        # Bare as a root with no TERM (a Debian 12 chroot): there the output stayed buffered until exit.
        environment = {k: v for k, v in os.environ.items()
                       if k.startswith("MEMVAULT_") or k in ("PATH", "HOME", "LANG", "PYTHONPATH")} if bare else \
            dict(os.environ)
        done = subprocess.run([sys.executable, "-m", "memvault", "list"], stdout=write_end, stderr=subprocess.PIPE,
                              env=environment, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and b"Traceback" not in done.stderr and done.stderr == b"", done.stderr[-500:]


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_in_an_encoding_without_every_character_is_replaced_not_a_traceback(env, capsys, encoding):
    """An outside QA pass: `PYTHONIOENCODING=ascii memvault list` printed a UnicodeEncodeError traceback."""
    import json
    import os
    import subprocess
    import sys

    run(capsys, "init")
    run(capsys, "add", "--no-wait", "café ☕ 😀", "-n", "cli")
    environment = dict(os.environ, PYTHONIOENCODING=encoding)
    listed = subprocess.run([sys.executable, "-m", "memvault", "list", "-n", "cli"], env=environment,
                            capture_output=True, timeout=120)
    assert listed.returncode == 0 and b"Traceback" not in listed.stderr, listed.stderr[-500:]
    assert "caf" in listed.stdout.decode(encoding) and "?" in listed.stdout.decode(encoding)
    as_json = subprocess.run([sys.executable, "-m", "memvault", "list", "-n", "cli", "--json"], env=environment,
                             capture_output=True, timeout=120)
    assert as_json.returncode == 0, as_json.stderr[-500:]
    # Escaped, so the JSON still holds the text as stored.
    assert "café ☕ 😀" in json.dumps(json.loads(as_json.stdout.decode("ascii")), ensure_ascii=False)


def _process(env, *argv: str) -> subprocess.CompletedProcess:
    """``memvault ARGV…`` in a process of its own, as a user runs it: the pipeline is loaded anew each time (in
    the test's process it stays loaded, and a store then extracts at once)."""
    return subprocess.run([sys.executable, "-m", "memvault", *argv], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


@pytest.mark.seconds  # four processes, each loading the pipeline
def test_a_vault_only_the_cli_uses_gets_its_entities(env):
    # Only the app and `memvault serve` extracted entities: a CLI user's vault never had any, and its searches
    # knew no people (a score 0.80 here read 0.34 in the same vault once a server had run).
    assert _process(env, "init").returncode == 0
    added = _process(env, "add", "--json", "Priya Raman leads the design team in Berlin")
    assert added.returncode == 0, added.stderr
    assert {(e["type"], e["value"]) for e in json.loads(added.stdout)["memory"]["entities"]} >= {
        ("person", "priya raman"), ("location", "berlin")}
    waiting = json.loads(_process(env, "add", "--json", "--no-wait", "Lena works as a nurse in Leeds").stdout)
    assert waiting["memory"]["entities"] == []
    searched = _process(env, "search", "Lena", "--mode", "keyword")  # a search extracts what waits first
    assert searched.returncode == 0 and "Lena works" in searched.stdout and "entity extraction" not in searched.stdout
    shown = json.loads(_process(env, "get", "--json", waiting["memory"]["id"]).stdout)
    assert ("person", "lena") in {(e["type"], e["value"]) for e in shown["entities"]}


def test_a_search_says_when_entities_still_wait(env, capsys, monkeypatch):
    from memvault.config import load_settings
    from memvault.domain.models import MemoryCreate
    from memvault.service.container import open_vault

    run(capsys, "init")
    settings = load_settings()
    svc = open_vault(settings, PASSPHRASE, common.lazy_embedder(settings), background=False)
    try:  # a batch queues its entities for the background loop, as an import does
        svc.memories.create_batch([MemoryCreate(content=f"Note {i} about Lena in Leeds") for i in range(3)])
    finally:
        svc.close()
    monkeypatch.setattr(common, "ENTITY_JOBS_PER_COMMAND", 1)
    code, out, _ = run(capsys, "search", "Lena", "--mode", "keyword")
    assert code == 0 and "Note: 2 memories still wait for entity extraction" in out
    code, out, _ = run(capsys, "search", "Lena", "--mode", "keyword")
    assert code == 0 and "Note: 1 memory still waits for entity extraction" in out


@pytest.mark.parametrize("flags,named", [(("--ttl", "-1"), "--ttl must be between 1 and"),
                                         (("--dedup-threshold", "0.1"), "--dedup-threshold must be between"),
                                         (("--importance", "2"), "--importance must be between"),
                                         (("--user", ""), "--user must be a non-empty string")])
def test_a_bad_flag_of_add_is_named_as_the_command_line_spells_it(env, capsys, flags, named):
    """It said "expires_in_seconds must be between …" for --ttl -1: no flag of that name exists."""
    code, out, err = run(capsys, "add", "a note", *flags)
    assert code == 2 and err.startswith(f"memvault: {named}") and not out, err
