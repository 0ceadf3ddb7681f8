"""Property-based fuzzing of the whole OpenAPI surface: no input produces a 5xx, every error has its envelope.

The default run takes 4 examples per operation (about 280 requests, ~20 s);
``pytest -m long`` takes 200 (``MEMVAULT_FUZZ_EXAMPLES`` overrides either).
The 5xx count is printed (``-s``).
"""

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

# Tens of seconds: the whole suite runs it (the long version is -m long). No check depends on meaning, so the
# server embeds with the fake model; with the real one, embedding what the fuzzer writes cost as much as the run.
pytestmark = pytest.mark.seconds


def has_envelope(path: str, body: dict) -> bool:
    """Whether ``body`` is the error envelope of the profile that serves ``path``."""
    if path.startswith("/compat/azen/"):
        return body.get("status") not in (None, "success") and bool(body.get("message")) and "code" in body
    if path.startswith("/compat/sendryx/"):
        return body.get("success") is False and bool(body.get("message"))
    if path.startswith("/compat/memsync/"):
        return body.get("success") is False and bool(body.get("error", {}).get("code"))
    if path.startswith("/compat/statebase/"):
        return bool(body.get("error", {}).get("code"))
    return bool(body.get("error", {}).get("message"))


def fuzz(api, examples: int) -> dict:
    spec = httpx.get(f"{api.url}/openapi.json", timeout=60).json()
    schema = schemathesis.openapi.from_dict(spec)
    _, secret = api.services.keys.create("default", "read,write,admin", "fuzzer", per_minute=1_000_000,
                                         per_hour=1_000_000)
    headers = {"Authorization": f"Bearer {secret}"}
    seen: dict[str, int] = {}
    cases = 0
    server_errors: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal cases
            label = case.operation.label
            cases += 1
            response = case.call(base_url=api.url, headers=headers, timeout=60)
            seen[label] = seen.get(label, 0) + 1
            if response.status_code >= 500:  # counted, not raised: the run reports how many
                server_errors.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            elif response.status_code >= 400:
                body = response.json()
                assert has_envelope(case.formatted_path, body), f"{label}: wrong error envelope: {body}"

        check()
    figures = {"cases": cases, "operations": len(seen), "server_errors": len(server_errors),
               "samples": server_errors[:5]}
    print("fuzz run:", figures)
    return figures


def test_no_generated_request_gets_a_server_error(api):
    figures = fuzz(api, int(os.environ.get("MEMVAULT_FUZZ_EXAMPLES", "4")))
    assert figures["operations"] >= 15 and figures["cases"] >= 150, figures
    assert figures["server_errors"] == 0, figures


@pytest.mark.long
def test_no_generated_request_gets_a_server_error_long(api):
    figures = fuzz(api, int(os.environ.get("MEMVAULT_FUZZ_EXAMPLES", "200")))
    assert figures["operations"] >= 30 and figures["cases"] >= 3000, figures
    assert figures["server_errors"] == 0, figures
