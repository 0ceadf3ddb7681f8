"""No telemetry from the HTTP surface: FastAPI and the MCP SDK trace, count and log requests for whatever
OpenTelemetry provider the process has, and FastAPI exports to an endpoint the environment names. A user's
shell or an instrumented environment must not make Memvault send what its agents asked or stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # a subprocess that starts the server

MARKER = "telemetry-canary-9f2c"

#: Run in a child: OpenTelemetry's global providers can be set once per process. The providers record every
#: span, instrument and log record asked of them, as an exporter installed by the environment would receive.
_CHILD = r"""
import json, sys
import httpx
from opentelemetry import _logs, metrics, trace
from opentelemetry._logs import LoggerProvider, NoOpLogger
from opentelemetry.metrics import MeterProvider, NoOpMeter
from opentelemetry.trace import NoOpTracer, Tracer as AnyTracer, TracerProvider

seen = []

# Providers of their own, as an SDK's are: libraries skip the API's no-op and proxy providers.
class Tracer(AnyTracer):
    def start_span(self, name, *a, **k):
        seen.append("span " + name)
        return NoOpTracer().start_span(name, *a, **k)
    def start_as_current_span(self, name, *a, **k):
        seen.append("span " + name)
        return NoOpTracer().start_as_current_span(name, *a, **k)

class Tracers(TracerProvider):
    def get_tracer(self, *a, **k):
        return Tracer()

class Meter(NoOpMeter):
    def create_histogram(self, name, *a, **k):
        seen.append("histogram " + name)
        return super().create_histogram(name, *a, **k)
    def create_up_down_counter(self, name, *a, **k):
        seen.append("counter " + name)
        return super().create_up_down_counter(name, *a, **k)
    def create_counter(self, name, *a, **k):
        seen.append("counter " + name)
        return super().create_counter(name, *a, **k)

class Meters(MeterProvider):
    def get_meter(self, name, *a, **k):
        return Meter(name)

class Logger(NoOpLogger):
    def emit(self, record=None, *a, **k):
        seen.append("log " + repr(record))

class Loggers(LoggerProvider):
    def get_logger(self, name, *a, **k):
        return Logger(name)

trace.set_tracer_provider(Tracers())
metrics.set_meter_provider(Meters())
_logs.set_logger_provider(Loggers())

from memvault.api.server import ApiServer
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

services = create_vault(fast_settings(sys.argv[1]), PASSPHRASE, FakeEmbedder(), background=True)
_, key = services.keys.create("default", "read,write")
server = ApiServer(services, port=0)
server.start()
headers = {"Authorization": "Bearer " + key, "accept": "application/json, text/event-stream"}
marker = sys.argv[2]
# httpx's 5 s default is short for a first request on a loaded 2-core machine (spaCy and the models load then).
client = httpx.Client(timeout=60)
answers = [
    client.post(server.url + "/v1/memories", headers=headers, json={"content": marker + " stored"}).status_code,
    client.post(server.url + "/v1/memories/search", headers=headers, json={"query": marker}).status_code,
    # refused: FastAPI's logs would carry the input values
    client.post(server.url + "/v1/memories", headers=headers, json={"content": marker, "limit": "x", "importance": 9}).status_code,
    client.get(server.url + "/v1/memories/nothing-" + marker, headers=headers).status_code,
    client.post(server.url + "/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "recall", "arguments": {"query": marker}}}).status_code,
    client.post(server.url + "/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "get_memory", "arguments": {"memory_id": marker}}}).status_code,
]
server.stop()
services.close()
print(json.dumps({"answers": answers, "seen": seen}))
"""


def test_requests_reach_no_opentelemetry_provider_or_endpoint(tmp_path):
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'app'}{os.pathsep}{ROOT}",
           # what a developer's shell may export for their other FastAPI services
           "FASTAPI_OTEL_AUTO_CONFIGURE": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path / "vault"), MARKER], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # Each request was answered (so each went through the stack the providers would have seen).
    assert report["answers"] == [201, 200, 422, 404, 200, 200], report["answers"]
    assert report["seen"] == []
    assert "telemetry" not in done.stderr.lower()  # no attempt at configuring an exporter either
