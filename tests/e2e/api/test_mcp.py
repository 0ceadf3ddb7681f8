"""MCP over Streamable HTTP and stdio, driven by the official SDK's client."""

import json
import logging
import os
import shutil
import subprocess
import sys
import time

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

import memvault
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, ROOT, fast_settings

TOOLS = {"remember", "remember_conversation", "recall", "list_memories", "get_memory", "update_memory", "forget"}


def _http(api, key):
    return Client(streamable_http_client(f"{api.url}/mcp",
                                         http_client=httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"})))


def _data(result):
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content.get("result", result.structured_content)
    import json
    return json.loads(result.content[0].text)


def _check_schemas(tools):
    """Every parameter is described; closed sets are enums; every tool names a memory the same way."""
    for tool in tools.values():
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
    enum = lambda prop: next((p["enum"] for p in [prop, *prop.get("anyOf", [])] if "enum" in p), None)
    assert "preference" in enum(tools["remember"].input_schema["properties"]["memory_type"])
    assert enum(tools["recall"].input_schema["properties"]["mode"]) == ["semantic", "keyword", "hybrid"]
    assert "fact" in enum(tools["recall"].input_schema["properties"]["memory_type"])
    for name in ("get_memory", "update_memory", "forget"):
        assert tools[name].input_schema["required"] == ["memory_id"], name


async def _exercise(client, drain):
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    assert tools["recall"].annotations.read_only_hint is True
    assert tools["forget"].annotations.destructive_hint is True
    assert tools["remember"].annotations.read_only_hint is False
    assert all(t.description for t in tools.values())
    _check_schemas(tools)
    stored = _data(await client.call_tool("remember", {"content": "The user's dog is called Biscuit",
                                                       "tags": ["pets"], "memory_type": "fact"}))
    memory_id = stored["id"]
    await drain()
    hits = _data(await client.call_tool("recall", {"query": "what is the name of the user's pet"}))
    assert hits[0]["id"] == memory_id and hits[0]["score"] > 0
    narrowed = await client.call_tool("recall", {"query": "the user's pet", "tags": ["nope"]})
    assert _data(narrowed) == [] and "none matched with tags nope." in narrowed.content[0].text
    got = _data(await client.call_tool("get_memory", {"memory_id": memory_id}))
    assert got["content"] == "The user's dog is called Biscuit" and got["tags"] == ["pets"]
    listed = _data(await client.call_tool("list_memories", {"limit": 5}))
    assert listed["total"] >= 1
    updated = _data(await client.call_tool("update_memory", {"memory_id": memory_id,
                                                             "content": "The user's dog is called Biscuit Jr."}))
    assert updated["version"] == 2
    # `id` is the deprecated name of memory_id; old clients keep working.
    assert _data(await client.call_tool("get_memory", {"id": memory_id}))["version"] == 2
    assert _data(await client.call_tool("get_memory", {"memory_id": memory_id}))["deleted_at"] is None
    assert _data(await client.call_tool("forget", {"memory_id": memory_id}))["forgotten"] is True
    again = _data(await client.call_tool("forget", {"memory_id": memory_id}))  # a retry: done already, not an error
    assert again["forgotten"] is True and again["already_in_trash"] is True
    # In the trash: found by id, and says so; an edit is refused, as REST refuses it.
    assert _data(await client.call_tool("get_memory", {"memory_id": memory_id}))["deleted_at"] is not None
    edited = await client.call_tool("update_memory", {"memory_id": memory_id, "content": "edited in the trash"})
    assert edited.is_error and "conflict: " in edited.content[0].text and "in the trash" in edited.content[0].text
    missing = await client.call_tool("get_memory", {"memory_id": memory_id + "x"})
    assert missing.is_error and "not_found" in missing.content[0].text
    told = _data(await client.call_tool("remember_conversation", {"conversation_id": "mcp-chat", "messages": [
        {"role": "user", "content": "Hi! I work at Globex as a nurse."},
        {"role": "assistant", "content": "Nice to meet you."}]}))
    assert told["memories_extracted"] == 1 and told["facts"][0]["content"] == "The user works at Globex as a nurse"
    assert "career" in told["categories"] and told["facts"][0]["kind"] == "semantic"
    # Searchable by meaning when the call returns, as an agent recalls at once (no drain before this).
    fact = _data(await client.call_tool("get_memory", {"memory_id": told["facts"][0]["id"]}))
    assert fact["embedding_status"] == "ready", fact
    bad = await client.call_tool("remember_conversation", {"messages": [{"role": "assistant", "content": "hi"}]})
    assert bad.is_error and "invalid_input" in bad.content[0].text
    # Its date as REST takes it, Unix seconds or ISO 8601: "yesterday" is the day before it.
    dated = _data(await client.call_tool("remember_conversation", {"occurred_at": "2024-03-06T10:00:00Z", "messages": [
        {"role": "user", "content": "Yesterday I adopted a beagle called Pretzel."}]}))
    assert dated["facts"][0]["content"] == "On 5 March 2024 the user adopted a beagle called Pretzel", dated
    undated = await client.call_tool("remember_conversation", {"occurred_at": "last Tuesday", "messages": [
        {"role": "user", "content": "I sold my car."}]})
    assert undated.is_error and undated.content[0].text == (
        "invalid_input: occurred_at must be an ISO 8601 time or Unix seconds (a JSON number)")
    return memory_id


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_streamable_http_with_the_sdk_client(api):
    _, secret = api.services.keys.create("mcp-http", "read,write")

    async def drain():
        await anyio.to_thread.run_sync(api.drain)

    async def main():
        async with _http(api, secret) as client:
            memory_id = await _exercise(client, drain)
        return memory_id

    memory_id = anyio.run(main)
    # The MCP call acted in the key's namespace, like REST would.
    assert api.services.memories.get(memory_id, "mcp-http").deleted_at is not None


def test_a_write_only_key_updates_over_mcp_without_seeing_content(api):
    _, write_only = api.services.keys.create("mcp-wo", "write")
    secret_text = "wo-marker-7f3a: the user's locker code is 4512"
    memory = api.services.memories.create(MemoryCreate(content=secret_text, namespace="mcp-wo")).memory

    async def main():
        async with _http(api, write_only) as client:
            return _data(await client.call_tool("update_memory", {"memory_id": memory.id, "tags": ["kept"]}))

    receipt = anyio.run(main)
    assert receipt["id"] == memory.id and receipt["version"] == 2
    assert "wo-marker-7f3a" not in json.dumps(receipt) and "content" not in receipt
    assert api.services.memories.get(memory.id).tags == ("kept",)


def test_an_argument_a_tool_does_not_take_or_a_bad_value_is_one_line(api):
    _, secret = api.services.keys.create("mcp-args", "read,write")
    api.services.memories.create(MemoryCreate(content="The user's dentist is Dr. Okafor", namespace="mcp-args"))

    async def main():
        async with _http(api, secret) as client:
            misspelt = await client.call_tool("recall", {"query": "dentist", "tag": ["nomatch"]})
            assert misspelt.is_error, misspelt.content  # not the unfiltered hits
            text = misspelt.content[0].text
            assert text.startswith("invalid_input: recall has no argument 'tag'") and "'tags'" not in text[:45]
            assert "tags" in text  # what it does take
            elsewhere = await client.call_tool("remember", {"content": "probe", "namespace": "other"})
            assert elsewhere.is_error and "'namespace'" in elsewhere.content[0].text
            bad = await client.call_tool("recall", {"query": "x", "limit": 0})
            assert bad.is_error and bad.content[0].text == (
                "invalid_input: limit: Input should be greater than or equal to 1"), bad.content[0].text
            assert "pydantic" not in bad.content[0].text
            # The old name of memory_id is still taken; a tool's own failure is one line of the same form.
            missing = await client.call_tool("get_memory", {"id": "no-such-id"})
            assert missing.is_error and missing.content[0].text == "not_found: no memory with id no-such-id"
            empty = await client.call_tool("recall", {"query": ""})
            assert empty.is_error and empty.content[0].text == "invalid_input: query must not be empty"

    anyio.run(main)
    assert api.services.memories.count(MemoryFilter(namespace="mcp-args")) == 1  # nothing stored elsewhere or here


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups: the SDK client raises from a task group."""
    inner = getattr(exc, "exceptions", None)
    return [exc] if inner is None else [leaf for e in inner for leaf in _leaves(e)]


def test_http_mcp_needs_a_valid_key_and_scope(api):
    r = httpx2.post(f"{api.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                    headers={"accept": "application/json, text/event-stream"})
    assert r.status_code == 401
    assert r.json()["error"]["message"].startswith("an API key is required") and r.json()["error"]["data"]["status"] == 401
    _, read_only = api.services.keys.create("mcp-ro", "read")

    async def main():
        # The official client shows why a key was refused (it reads only a JSON-RPC error from the body).
        with pytest.raises(BaseException) as refused:
            async with _http(api, "mv_not_a_key") as client:
                await client.list_tools()
        assert any("the API key is not valid" in str(leaf) for leaf in _leaves(refused.value)), refused.value
        async with _http(api, read_only) as client:
            denied = await client.call_tool("remember", {"content": "read-only keys cannot write"})
            assert denied.is_error and "scope" in denied.content[0].text
            nothing = await client.call_tool("recall", {"query": "anything"})
            assert _data(nothing) == []  # and the text says why: a host that shows only text saw nothing
            assert nothing.content[0].text == "No memories recalled: namespace 'mcp-ro' holds no memories yet."

    anyio.run(main)


@pytest.mark.slow  # a stdio server subprocess
def test_stdio_with_the_sdk_client(tmp_path, embedder):
    settings = fast_settings(tmp_path / "vault")
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    env = {**os.environ, "MEMVAULT_HOME": str(settings.home_path), "MEMVAULT_PASSPHRASE": PASSPHRASE}
    params = StdioServerParameters(command=sys.executable, args=["-m", "memvault", "mcp", "--namespace", "stdio-ns"],
                                   env=env, cwd=str(ROOT))

    async def drain():
        await anyio.sleep(0)  # the server's own worker embeds; recall retries below

    async def main():
        async with Client(params) as client:
            stored = _data(await client.call_tool("remember", {"content": "Stdio memories live in stdio-ns"}))
            for _ in range(100):
                hits = _data(await client.call_tool("recall", {"query": "where do stdio memories live",
                                                               "mode": "semantic"}))
                if hits:
                    break
                await anyio.sleep(0.1)
            assert hits[0]["id"] == stored["id"]
            assert set(t.name for t in (await client.list_tools()).tools) == TOOLS
            assert (client.server_info.name, client.server_info.version) == ("memvault", memvault.__version__)

    anyio.run(main)


@pytest.mark.slow  # a stdio server subprocess per case
@pytest.mark.parametrize("passphrase,expected", [
    ("definitely not the passphrase", "wrong passphrase"),
    (None, "no way to unlock"),
])
def test_stdio_without_a_working_passphrase_starts_and_says_what_to_fix(tmp_path, embedder, passphrase, expected):
    settings = fast_settings(tmp_path / "vault")
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    env = {k: v for k, v in os.environ.items() if k != "MEMVAULT_PASSPHRASE"}
    # No keychain either: the fail backend is what keyring uses on a machine without one.
    env.update(MEMVAULT_HOME=str(settings.home_path), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    if passphrase is not None:
        env["MEMVAULT_PASSPHRASE"] = passphrase
    params = StdioServerParameters(command=sys.executable, args=["-m", "memvault", "mcp"], env=env, cwd=str(ROOT))
    calls = [("remember", {"content": "x"}), ("recall", {"query": "x"}), ("list_memories", {}),
             ("get_memory", {"memory_id": "x"}), ("update_memory", {"memory_id": "x", "content": "y"}),
             ("forget", {"memory_id": "x"})]

    async def main():
        async with Client(params) as client:
            assert {t.name for t in (await client.list_tools()).tools} == TOOLS
            for name, arguments in calls:
                result = await client.call_tool(name, arguments)
                text = result.content[0].text
                assert result.is_error and expected in text and "memvault mcp config" in text, (name, text)
                assert "restart the MCP client" in text

    anyio.run(main)


# The MCP Inspector's CLI: a client nobody here wrote. 0.18.0 is the newest line whose CLI has --header
# and runs on Node 20 (its package.json asks for Node 22, but the CLI mode works on 20; later lines need 22).
INSPECTOR = "@modelcontextprotocol/inspector@0.18.0"


@pytest.fixture(scope="module")
def inspector():
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) is not installed, so the MCP Inspector cannot run")
    probe = subprocess.run([npx, "--yes", INSPECTOR, "--cli", "--help"], capture_output=True, text=True, timeout=600)
    if probe.returncode != 0:
        pytest.skip(f"npx could not fetch or start {INSPECTOR}: {probe.stderr.strip()[-300:]}")

    def run(*argv: str, env: dict[str, str] | None = None) -> dict:
        proc = subprocess.run([npx, "--yes", INSPECTOR, "--cli", *argv], capture_output=True, text=True,
                              timeout=300, cwd=ROOT, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout[proc.stdout.index("{"):])

    return run


def _check_inspector_listing(listing: dict) -> None:
    tools = {t["name"]: t for t in listing["tools"]}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert all(p.get("description") for p in tool["inputSchema"]["properties"].values()), tool["name"]
    assert tools["recall"]["inputSchema"]["properties"]["mode"]["enum"] == ["semantic", "keyword", "hybrid"]
    assert tools["forget"]["inputSchema"]["required"] == ["memory_id"]


@pytest.mark.slow
def test_the_mcp_inspector_over_stdio(tmp_path, embedder, inspector):
    settings = fast_settings(tmp_path / "vault")
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    env = {**os.environ, "MEMVAULT_HOME": str(settings.home_path), "MEMVAULT_PASSPHRASE": PASSPHRASE}
    server = [sys.executable, "-m", "memvault", "mcp", "--namespace", "inspected"]
    _check_inspector_listing(inspector(*server, "--method", "tools/list", env=env))
    stored = inspector(*server, "--method", "tools/call", "--tool-name", "remember",
                       "--tool-arg", "content=The user keeps bees", "--tool-arg", "memory_type=fact", env=env)
    assert stored["isError"] is False
    memory_id = stored["structuredContent"]["id"]
    got = inspector(*server, "--method", "tools/call", "--tool-name", "get_memory",
                    "--tool-arg", f"memory_id={memory_id}", env=env)
    assert got["isError"] is False and got["structuredContent"]["content"] == "The user keeps bees"


@pytest.mark.slow
def test_the_mcp_inspector_over_http(api, inspector):
    _, secret = api.services.keys.create("inspected-http", "read,write")
    target = [f"{api.url}/mcp", "--transport", "http", "--header", f"Authorization: Bearer {secret}"]
    _check_inspector_listing(inspector(*target, "--method", "tools/list"))
    stored = inspector(*target, "--method", "tools/call", "--tool-name", "remember",
                       "--tool-arg", "content=Inspected over HTTP")
    assert stored["isError"] is False
    api.drain()
    hits = inspector(*target, "--method", "tools/call", "--tool-name", "recall", "--tool-arg", "query=inspected")
    assert hits["structuredContent"]["result"][0]["id"] == stored["structuredContent"]["id"]


def test_recall_compresses_to_a_token_budget(api):
    _, secret = api.services.keys.create("mcp-compress", "read,write")
    for text in ("Juniper is a grey lurcher from Dogs Trust Leeds. She sleeps on the sofa all day long.",
                 "The quarterly report is due on Friday. Finance wants the numbers by Thursday."):
        api.services.memories.create(MemoryCreate(content=text, namespace="mcp-compress", memory_type="fact"))
    api.drain()

    async def main():
        async with _http(api, secret) as client:
            return _data(await client.call_tool("recall", {"query": "what breed is juniper", "compress": True,
                                                           "max_context_tokens": 12}))

    packed = anyio.run(main)
    assert packed["hits"], packed
    assert packed["compression"]["tokens_used"] <= 12 and packed["compression"]["max_context_tokens"] == 12
    assert packed["hits"][0]["content"].startswith("Juniper is a grey lurcher")
    assert sum(h["tokens"] for h in packed["hits"]) == packed["compression"]["tokens_used"]
@pytest.mark.slow
def test_recall_says_whether_a_hit_answers_or_is_only_the_closest(api):
    _, secret = api.services.keys.create("mcp-good", "read,write")

    async def main():
        async with _http(api, secret) as client:
            for text in ("The user's sister Maria lives in Lisbon and teaches chemistry",
                         "The user prefers green tea without sugar in the morning"):
                await client.call_tool("remember", {"content": text})
            await anyio.to_thread.run_sync(api.drain)
            answered = _data(await client.call_tool("recall", {"query": "where does the user's sister live"}))
            unrelated = _data(await client.call_tool("recall", {"query": "torque specification for bicycle bolts"}))
            return answered, unrelated

    answered, unrelated = anyio.run(main)
    assert "Lisbon" in answered[0]["content"] and answered[0]["good_match"] is True
    assert unrelated and not any(hit["good_match"] for hit in unrelated)


LAZY_MCP_CHILD = """
import sys
import httpx
from memvault.api.server import ApiServer
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

services = create_vault(fast_settings(sys.argv[1]), PASSPHRASE, FakeEmbedder(), background=True)
_, key = services.keys.create("default", "read,write")
server = ApiServer(services, port=0)
server.start()
headers = {"Authorization": f"Bearer " + key, "accept": "application/json, text/event-stream"}
# httpx waits 5 s by default; the first MCP request imports the SDK and builds its server, which took longer on
# a loaded 2-core CI machine (a ReadTimeout, not a failure of what is tested here).
assert httpx.get(server.url + "/v1/memories", headers=headers, timeout=60).status_code == 200
print("mcp imported after REST:", "mcp" in sys.modules)
listed = httpx.post(server.url + "/mcp", headers=headers, timeout=60,
                    json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
print("tools/list:", listed.status_code, sorted(t["name"] for t in listed.json()["result"]["tools"]))
server.stop()
services.close()
"""


@pytest.mark.slow  # a subprocess that starts the server
def test_the_api_server_imports_the_mcp_sdk_only_when_mcp_is_asked_for(tmp_path):
    # The desktop app starts the API server every session; most never serve MCP, and the SDK costs ~25 MB.
    child = subprocess.run([sys.executable, "-c", LAZY_MCP_CHILD, str(tmp_path / "vault")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert "mcp imported after REST: False" in child.stdout
    assert f"tools/list: 200 {sorted(TOOLS)}" in child.stdout


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_concurrent_first_mcp_requests_build_one_server(api, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from memvault.api import mcp as mcp_module
    from memvault.api.server import ApiServer

    built = []
    real_build = mcp_module.build_server

    def counting_build(*args, **kwargs):
        built.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(mcp_module, "build_server", counting_build)
    server = ApiServer(api.services, port=0)
    server.start()
    try:
        headers = {"Authorization": f"Bearer {api.admin}", "accept": "application/json, text/event-stream"}

        def tools_list(_):
            r = httpx2.post(f"{server.url}/mcp", headers=headers, timeout=60,
                            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            return r.status_code, {t["name"] for t in r.json()["result"]["tools"]}

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(tools_list, range(8)))
    finally:
        server.stop()
    assert answers == [(200, TOOLS)] * 8
    assert len(built) == 1


def test_a_write_only_key_remembering_a_duplicate_learns_only_already_stored(api):
    """Issue 38 item 4: no other memory's id reaches a write-only key through remember."""
    _, write_only = api.services.keys.create("mcp-wo-dup", "write")
    other = api.services.memories.create(MemoryCreate(content="mcp-dup-secret 4417", namespace="mcp-wo-dup",
                                                      client_id="shared-cid")).memory

    async def main():
        async with _http(api, write_only) as client:
            fresh = _data(await client.call_tool("remember", {"content": "written blind over mcp"}))
            return fresh

    fresh = anyio.run(main)
    assert fresh["status"] == "stored" and fresh["id"] and fresh["id"] != other.id
    assert "content" not in fresh


def test_an_admin_only_key_reads_no_content_over_mcp(api):
    """Issue 38 item 3: the admin scope manages; recall needs read."""
    _, admin_only = api.services.keys.create("mcp-admin-only", "admin")
    api.services.memories.create(MemoryCreate(content="admin-only must not see 5521", namespace="mcp-admin-only"))

    async def main():
        async with _http(api, admin_only) as client:
            denied = await client.call_tool("recall", {"query": "admin-only must not see", "mode": "keyword"})
            assert denied.is_error and "scope" in denied.content[0].text
            return denied

    denied = anyio.run(main)
    assert "5521" not in str(denied.content)


def test_an_unknown_prompt_leaves_no_caller_text_in_any_log(api, caplog, capfd):
    """Issue 38 item 10: the SDK logged a traceback quoting the prompt name the caller sent."""
    marker = "caller-text-QQ-5e1d the user's locker code"
    headers = {"accept": "application/json, text/event-stream", "Authorization": f"Bearer {api.alpha}"}
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("mcp.shared.jsonrpc_dispatcher").warning("canary %s", "mcp-log-canary")
        r = httpx2.post(f"{api.url}/mcp", headers=headers, timeout=30, json={
            "jsonrpc": "2.0", "id": 7, "method": "prompts/get", "params": {"name": marker}})
    assert r.status_code == 200 and "error" in r.json(), r.text[:300]
    logged = "\n".join(f"{rec.getMessage()} {rec.exc_text or ''} {rec.exc_info or ''}" for rec in caplog.records)
    assert "mcp-log-canary" in logged  # the capture saw the SDK's logger at all
    assert "prompts/get" in logged  # and the failure's own line
    out, err = capfd.readouterr()
    assert marker not in logged and marker not in out + err


def test_mcp_refuses_an_oversized_list_before_reading_its_items(api):
    """Issue 38 item 1 over MCP: 100,000 tags are refused as the tool's error, without storing anything."""
    _, secret = api.services.keys.create("mcp-tags", "read,write")

    async def main():
        async with _http(api, secret) as client:
            return await client.call_tool("remember", {"content": "too many tags",
                                                       "tags": [f"t{i}" for i in range(100_000)]})

    started = time.process_time()
    refused = anyio.run(main)
    assert refused.is_error and "limit is 50" in refused.content[0].text
    assert time.process_time() - started < 2.0  # client encoding included
    assert api.services.memories.count(MemoryFilter(namespace="mcp-tags")) == 0


def test_mcp_tool_calls_count_in_the_keys_usage_as_rest_calls_do(api):
    key, secret = api.services.keys.create("mcp-usage", "read,write")
    wo_key, write_only = api.services.keys.create("mcp-usage", "write")

    async def main():
        async with _http(api, secret) as client:
            _data(await client.call_tool("remember", {"content": "The user's locker is number 12"}))
            _data(await client.call_tool("recall", {"query": "locker"}))
            assert (await client.call_tool("get_memory", {"memory_id": "no-such-id"})).is_error
        async with _http(api, write_only) as client:
            _data(await client.call_tool("remember", {"content": "The user's bike is a blue Brompton"}))

    anyio.run(main)
    api.services.usage.flush()
    rows = {r.key_id: r for r in api.services.usage.usage([key.id, wo_key.id])}
    assert (rows[key.id].memories_created, rows[key.id].searches, rows[key.id].errors) == (1, 1, 1)
    assert rows[wo_key.id].memories_created == 1
