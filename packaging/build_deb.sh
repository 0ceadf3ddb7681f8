#!/bin/sh
# Wraps the PyInstaller one-folder build in a Debian package:
#   pyinstaller --noconfirm packaging/memvault.spec && sh packaging/build_deb.sh [DIST_DIR] [OUT_DIR]
# DIST_DIR is PyInstaller's output folder (default dist/memvault); the .deb lands in OUT_DIR (default dist/).
# Installs the app in /opt/memvault, the command as /usr/bin/memvault, the desktop entry and the icon;
# Depends lists the system libraries Qt's xcb platform plugin loads (the README's Debian line).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$root/dist/memvault}
out=${2:-$root/dist}
[ -x "$dist/memvault" ] || { echo "build_deb.sh: no PyInstaller build at $dist (run pyinstaller packaging/memvault.spec)" >&2; exit 2; }
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/app/memvault/__init__.py")
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin"
cp -a "$dist" "$stage/opt/memvault"
ln -s /opt/memvault/memvault "$stage/usr/bin/memvault"
install -Dm644 "$root/packaging/memvault.desktop" "$stage/usr/share/applications/memvault.desktop"
install -Dm644 "$root/resources/icons/memvault.svg" "$stage/usr/share/icons/hicolor/scalable/apps/memvault.svg"
install -Dm644 "$root/models/all-MiniLM-L6-v2/LICENSE" "$stage/usr/share/doc/memvault/model-LICENSE"
install -Dm644 "$root/models/multilingual-e5-small/LICENSE" "$stage/usr/share/doc/memvault/multilingual-e5-small-LICENSE"
size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: memvault
Version: $version
Architecture: $arch
Maintainer: Memvault developers <memvault@localhost>
Installed-Size: $size
Depends: libc6 (>= 2.28), libgl1, libegl1, libfontconfig1, libglib2.0-0, libdbus-1-3, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0
Section: utils
Priority: optional
Description: local, encrypted, on-device memory for AI agents
 Memvault keeps what AI agents remember on your own computer, encrypted
 (SQLCipher) and searchable by meaning with bundled embedding models
 (all-MiniLM-L6-v2 for English, multilingual-e5-small for about 100
 languages, on ONNX Runtime). Desktop app, command line, local HTTP API
 and MCP server in one program; nothing is downloaded at run time.
CONTROL
mkdir -p "$out"
deb="$out/memvault_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
