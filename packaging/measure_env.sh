#!/bin/sh
# What `pip install memvault` weighs: a wheel of this checkout (`pip wheel --no-deps .`)
# installed with its runtime dependencies only (no [test], no [s3]) into a fresh venv, then
# `du` of the venv and of each installed distribution (its files as RECORD lists them, so a
# package's vendored `.libs` folder counts with it). pip and setuptools are in every venv that
# `python3 -m venv` makes; they are listed and counted, and the total without them is printed too.
#
#   sh packaging/measure_env.sh [VENV_DIR]      # default: a new directory under /tmp, removed after
#
# Also checks that a package named `app` imports beside memvault in that venv.
# Set KEEP=1 to keep the venv. Prints the total, the total without pip/setuptools and the top 25.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv=${1:-$(mktemp -d /tmp/memvault-measure.XXXXXX)/venv}
wheels=$(mktemp -d /tmp/memvault-wheel.XXXXXX)
cleanup() {
    rm -rf "$wheels"
    if [ -z "${KEEP:-}" ] && [ -z "${1:-}" ]; then rm -rf "$(dirname "$venv")"; fi
}
trap cleanup EXIT

log="$wheels/pip.log"
if ! "$python" -m pip wheel -q --no-deps -w "$wheels" "$repo" >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
"$python" -m venv "$venv"
if ! "$venv/bin/python" -m pip install -q "$wheels"/memvault-*.whl >"$log" 2>&1; then cat "$log" >&2; exit 1; fi
# The wheel installs only `memvault`: another project's top-level `app` package (Flask and FastAPI
# projects often have one) imports beside it. Checked here, then removed before measuring.
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
mkdir "$site/app" && echo "NAME = 'somebody else'" > "$site/app/__init__.py"
(cd / && "$venv/bin/python" -c "import app, memvault; assert app.NAME == 'somebody else'; print('beside a package named app:', memvault.__file__)" \
    && "$venv/bin/memvault" --version) || { echo "memvault and a package named app do not coexist" >&2; exit 1; }
rm -r "$site/app"
"$venv/bin/python" - "$venv" <<'EOF'
import importlib.metadata as md
import os
import struct
import subprocess
import sys

venv = sys.argv[1]
total = int(subprocess.run(["du", "-sb", venv], capture_output=True, text=True, check=True).stdout.split()[0])
sizes = {}
for dist in md.distributions():
    seen = 0
    for f in dist.files or ():
        path = f.locate()
        if os.path.isfile(path) and not os.path.islink(path):
            seen += os.path.getsize(path)
    sizes[dist.metadata["Name"]] = seen
tools = sum(sizes.get(n, 0) for n in ("pip", "setuptools"))


def debug_bytes(path):
    """Bytes of DWARF (.debug_* sections) in a 64-bit little-endian ELF file, else 0."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return 0
        shoff, = struct.unpack_from("<Q", head, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", head, 0x3A)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from("<IIQQQQ", table, i * shentsize) for i in range(shnum)]
        f.seek(sections[shstrndx][4])
        names = f.read(sections[shstrndx][5])
    return sum(size for name, _, _, _, _, size in sections
               if names[name:names.index(b"\0", name)].startswith(b".debug"))


debug = 0
for folder, _, files in os.walk(venv):
    for name in files:
        path = os.path.join(folder, name)
        if ".so" in name and not os.path.islink(path):
            debug += debug_bytes(path)
mb = 1_000_000
print(f"venv total: {total / mb:,.0f} MB ({total:,} bytes, du -sb; Python {sys.version.split()[0]})")
print(f"without pip/setuptools (in every venv, not Memvault's): {(total - tools) / mb:,.0f} MB")
print(f"of which DWARF debug info in shared libraries (pip installs wheels as published): {debug / mb:,.0f} MB")
print(f"{len(sizes)} distributions; the largest:")
for name, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:25]:
    print(f"  {n / mb:8.1f} MB  {name}")
EOF
