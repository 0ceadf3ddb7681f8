"""One default search mode on every surface: the domain, HTTP, MCP and the CLI agree."""

import anyio

from memvault.api.schemas import SearchIn
from memvault.cli.parser import build_parser
from memvault.domain.enums import DEFAULT_SEARCH_MODE
from memvault.domain.models import SearchQuery
from tests.e2e.api.test_mcp import _http


def test_a_search_that_names_no_mode_uses_the_default_everywhere(api):
    assert SearchQuery("x").mode is DEFAULT_SEARCH_MODE
    assert SearchIn(query="x").search_mode is DEFAULT_SEARCH_MODE
    assert build_parser().parse_args(["search", "x"]).mode == DEFAULT_SEARCH_MODE.value
    with api.client(api.alpha) as c:
        meta = c.post("/v1/memories/search", json={"query": "anything"}).json()["meta"]
        assert meta["mode"] == DEFAULT_SEARCH_MODE.value
    _, secret = api.services.keys.create("mcp-default", "read")

    async def recall_schema():
        async with _http(api, secret) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            return tools["recall"].input_schema["properties"]["mode"]

    mode = anyio.run(recall_schema)
    assert mode["default"] == DEFAULT_SEARCH_MODE.value
