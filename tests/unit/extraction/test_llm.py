"""The optional LLM endpoint: a real HTTP server on loopback speaking the OpenAI chat API, and the fallback."""

from __future__ import annotations

import datetime as dt
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from memvault.domain.errors import InvalidInput
from memvault.extraction.facts import Message
from memvault.extraction.llm import LlmExtractor

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)
CHAT = [Message("user", "Hi! I moved to Zurich in March."), Message("assistant", "Welcome to Zurich!")]


class _Endpoint:
    """Answers /v1/chat/completions with whatever ``reply`` says; records the requests."""

    def __init__(self) -> None:
        self.reply: object = {"facts": []}
        self.status = 200
        self.requests: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                endpoint.requests.append({"path": self.path, "body": json.loads(self.rfile.read(
                    int(self.headers["Content-Length"]))), "auth": self.headers.get("Authorization")})
                content = endpoint.reply if isinstance(endpoint.reply, str) else json.dumps(endpoint.reply)
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        # socketserver's, not http.server's: HTTPServer looks up the host's FQDN, which can take seconds.
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def endpoint():
    e = _Endpoint()
    yield e
    e.server.shutdown()


def test_facts_come_from_the_endpoint_with_checked_fields_and_spans(endpoint, extractor):
    endpoint.reply = {"facts": [
        {"text": "The user moved to Zurich in March 2026", "kind": "episodic", "categories": ["location", "nope"],
         "message_index": 0, "quote": "I moved to Zurich in March", "subject": "user", "event_at": "2026-03-01"},
        {"text": "The assistant welcomed the user", "kind": "semantic", "categories": [], "message_index": 1,
         "quote": "Welcome", "subject": "user", "event_at": None}]}
    llm = LlmExtractor(endpoint.url, "qwen2.5:3b", extractor, api_key="k-1")
    facts, used = llm.extract_with_id(CHAT, NOW)
    assert used == "llm/qwen2.5:3b"
    [fact] = facts  # the assistant's turn gives no fact, whatever the model says
    assert fact.categories == ("location",) and fact.event_at == "2026-03-01"
    assert CHAT[0].content[fact.start:fact.end] == fact.quote == "I moved to Zurich in March"
    sent = endpoint.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k-1"
    assert sent["body"]["response_format"]["type"] == "json_schema" and sent["body"]["temperature"] == 0


@pytest.mark.parametrize("reply", ["not json", {"facts": "many"}, {"nothing": []}])
def test_a_bad_answer_falls_back_to_the_on_device_extractor(endpoint, extractor, reply):
    endpoint.reply = reply
    facts, used = LlmExtractor(endpoint.url, "m", extractor).extract_with_id(CHAT, NOW)
    assert used.startswith("on-device/") and [f.text for f in facts] == ["The user moved to Zurich in March 2026"]


def test_an_unreachable_or_failing_endpoint_falls_back(endpoint, extractor):
    endpoint.status = 500
    assert LlmExtractor(endpoint.url, "m", extractor).extract_with_id(CHAT, NOW)[1].startswith("on-device/")
    closed = LlmExtractor("http://127.0.0.1:9/v1", "m", extractor, timeout=2)
    assert closed.extract_with_id(CHAT, NOW)[1].startswith("on-device/")


def test_only_loopback_unless_the_user_allows_remote(extractor):
    with pytest.raises(InvalidInput, match="not a loopback address"):
        LlmExtractor("http://192.0.2.10:11434/v1", "m", extractor)
    assert LlmExtractor("http://192.0.2.10:11434/v1", "m", extractor, allow_remote=True)
    with pytest.raises(InvalidInput, match="http"):
        LlmExtractor("file:///etc/passwd", "m", extractor)
    with pytest.raises(InvalidInput, match="MODEL"):
        LlmExtractor("http://127.0.0.1:11434/v1", "", extractor)


def test_the_container_uses_the_endpoint_only_when_configured_and_allowed(tmp_path, caplog):
    from memvault.extraction.facts import FactExtractor
    from memvault.service.container import load_extractor
    from tests.helpers import fast_settings

    assert isinstance(load_extractor(fast_settings(tmp_path)), FactExtractor)
    local = fast_settings(tmp_path, extraction_llm_url="http://127.0.0.1:11434/v1", extraction_llm_model="m")
    assert isinstance(load_extractor(local), LlmExtractor)
    remote = fast_settings(tmp_path, extraction_llm_url="http://192.0.2.10/v1", extraction_llm_model="m")
    assert isinstance(load_extractor(remote), FactExtractor) and "not a loopback address" in caplog.text
