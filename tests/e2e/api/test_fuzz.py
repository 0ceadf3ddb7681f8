"""Property-based fuzzing of the whole OpenAPI surface: no input produces a 5xx."""

import os

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

#: Examples per operation; a few hundred cases in all across the API.
EXAMPLES = int(os.environ.get("MEMVAULT_FUZZ_EXAMPLES", "12"))


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


def test_no_generated_request_gets_a_server_error(api):
    spec = httpx.get(f"{api.url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    _, secret = api.services.keys.create("default", "read,write,admin", "fuzzer", per_minute=1_000_000,
                                         per_hour=1_000_000)
    headers = {"Authorization": f"Bearer {secret}"}
    seen: dict[str, int] = {}
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal cases
            cases += 1
            response = case.call(base_url=api.url, headers=headers, timeout=60)
            label = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{label} -> {response.status_code}: {response.text[:300]}"
            seen[operation.label] = seen.get(operation.label, 0) + 1
            if response.status_code >= 400:
                body = response.json()
                assert has_envelope(case.formatted_path, body), f"{label}: wrong error envelope: {body}"

        check()
    print(f"fuzzed {cases} cases over {len(seen)} operations")
    assert len(seen) >= 15 and cases >= 150, (len(seen), cases)
