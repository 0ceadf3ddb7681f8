"""The OpenAPI document describes what the server does: schemathesis with every check, and offline docs.

The default run is bounded (the fuzzing phase, one example per operation and
generation mode: every operation called, ~30 s of CPU on this 2-core machine;
the fuzzing test in test_fuzz.py sends several hundred more); ``pytest -m long``
runs the long one (100 examples, the coverage and stateful phases included:
tens of minutes).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from memvault.api.server import ApiServer
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE, ROOT, fast_settings

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory, fake_embedder):
    """A server of its own: fuzzing writes thousands of memories (not embedded: no background worker).

    The fake embedder: no check here depends on meaning.
    """
    settings = fast_settings(tmp_path_factory.mktemp("openapi") / "vault")
    services = create_vault(settings, PASSPHRASE, fake_embedder, background=False)
    _, secret = services.keys.create("default", "read,write,admin", "schemathesis", per_minute=1_000_000,
                                     per_hour=1_000_000)
    server = ApiServer(services, port=0)
    server.start()
    yield server.url, secret
    server.stop()
    services.close()


def run_schemathesis(url: str, secret: str, *, examples: int, phases: str, tmp_path: Path) -> tuple[int, str]:
    report = tmp_path / "schemathesis.txt"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
        "--checks", "all", "--header", f"Authorization: Bearer {secret}", "--max-examples", str(examples),
        "--phases", phases, "--seed", "20261122", "--generation-deterministic", "--no-color",
        "--request-timeout", "30", "--workers", "1",
    ]
    # In tmp_path: schemathesis keeps a cache folder in its working directory.
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False, cwd=tmp_path,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
    report.write_text(done.stdout + done.stderr)
    return done.returncode, done.stdout + done.stderr


def failures(output: str) -> dict[str, int]:
    """``{"ST202 Schema-valid request rejected": 3, ...}`` from the summary."""
    return {name.strip(): int(n) for name, n in re.findall(r"❌ (ST\d+ [^:\n]+): (\d+)", output)}


@pytest.mark.slow  # a schemathesis subprocess, ~30 s
def test_every_schemathesis_check_passes(fuzz_target, tmp_path):
    code, output = run_schemathesis(*fuzz_target, examples=1, phases="fuzzing", tmp_path=tmp_path)
    summary = output[output.find("SUMMARY"):]
    assert code == 0 and not failures(output), summary[-3000:]
    # One example per operation and generation mode (positive and negative): every operation is called.
    tested = re.search(r"Tested: (\d+)", output)
    generated = re.search(r"(\d+) generated", output)
    assert tested and int(tested.group(1)) >= 70 and generated and int(generated.group(1)) >= int(tested.group(1)), \
        summary[-3000:]


@pytest.mark.slow
@pytest.mark.long
def test_every_schemathesis_check_passes_long(fuzz_target, tmp_path):
    code, output = run_schemathesis(*fuzz_target, examples=100, phases="examples,coverage,fuzzing,stateful",
                                    tmp_path=tmp_path)
    summary = output[output.find("SUMMARY"):]
    assert code == 0 and not failures(output), summary[-3000:]


@pytest.mark.seconds
def test_docs_are_served_offline_behind_the_host_check(fuzz_target):
    url, _ = fuzz_target
    page = httpx.get(f"{url}/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text.lower()
    # Every asset is local: no http(s) URL to anywhere but this server.
    external = [u for u in re.findall(r"""(?:src|href)=["']([^"']+)""", page.text) if re.match(r"(https?:)?//", u)]
    assert not external, external
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)""", page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert httpx.get(f"{url}{asset}").status_code == 200, asset
    redoc = httpx.get(f"{url}/redoc")
    assert redoc.status_code == 200 and "cdn" not in redoc.text.lower()
    assert "fonts.googleapis" not in redoc.text
    assert httpx.get(f"{url}/docs", headers={"Host": "evil.example"}).status_code == 403
    asset = next(a for a in assets if a.endswith(".js"))
    assert httpx.get(f"{url}{asset}", headers={"Host": "evil.example"}).status_code == 403
    spec = httpx.get(f"{url}/openapi.json", timeout=60).json()
    assert "/docs" not in spec["paths"]


def test_every_route_documents_its_error_statuses(fuzz_target):
    url, _ = fuzz_target
    spec = httpx.get(f"{url}/openapi.json", timeout=60).json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            documented = set(op["responses"])
            assert {"400", "401", "403", "404", "422", "429", "500", "503"} <= documented, (method, path)
            error = op["responses"]["401"]["content"]["application/json"]["schema"]
            assert error.get("$ref"), (method, path)
    assert json.dumps(spec).count("Error") > 10
