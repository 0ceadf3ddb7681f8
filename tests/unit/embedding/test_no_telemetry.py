"""No telemetry: ONNX Runtime's own (a device id written under the home folder and an event sent to Microsoft
when it loads) is switched off before Memvault loads it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.seconds  # two Python processes that load ONNX Runtime

#: Variables by which ONNX Runtime recognises a CI machine and then collects nothing by itself: left out of the
#: child's environment, so that the control below shows what an ordinary user's machine would see.
_ORT_CI_VARIABLES = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL",
                     "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER",
                     "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "ORT_RUNNING_UNIT_TESTS", "ORT_DISABLE_TELEMETRY")


def _written_under_home(tmp_path, code: str) -> list[str]:
    home = tmp_path / "home"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in _ORT_CI_VARIABLES} | {
        "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "PYTHONPATH": str(ROOT / "app")}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120, cwd=tmp_path)
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())


def test_onnx_runtime_loaded_by_memvault_writes_no_device_id_and_sends_nothing(tmp_path):
    session = ("import onnxruntime as ort; o = ort.SessionOptions(); "
               "print(ort.get_available_providers())")
    control = _written_under_home(tmp_path / "control", session)
    assert any("deviceid" in p for p in control), control  # what ONNX Runtime does on its own
    assert _written_under_home(tmp_path / "memvault", "import memvault; " + session) == []
