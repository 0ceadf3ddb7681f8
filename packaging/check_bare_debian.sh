#!/bin/bash
# Checks the README's two commands and the .deb on bare Debian 12 roots (run as root on a Debian host).
#   sh packaging/check_bare_debian.sh readme ROOTDIR REPO [BRANCH]   the README's system packages line, its
#                                                                     install-and-start command, and its install-
#                                                                     and-test command, each word for word
#   sh packaging/check_bare_debian.sh deb ROOTDIR DEB                 apt-get install ./the.deb, open the app,
#                                                                     CLI add + search by meaning
# ROOTDIR is made with `debootstrap --variant=minbase bookworm ROOTDIR` if absent (keep it outside the
# repository; use a fresh one for `deb`, so that apt must pull the Qt libraries itself). The app's windows
# are checked under Xvfb (installed in the root for the check only) with xwininfo; screenshots land in
# ROOTDIR/tmp/*.png. EXTRA_CA_DIR: a folder of .crt files the root must trust (a TLS-intercepting proxy).
set -u
mode=$1 R=$2
L=${LOGS:-$R/tmp}
IN() { chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
       LANG=C.UTF-8 ${EXTRA_CA_DIR:+PIP_CERT=/etc/ssl/certs/ca-certificates.crt} "$@"; }
[ -d "$R/etc" ] || debootstrap --variant=minbase bookworm "$R" > /dev/null || exit 1
for m in proc dev dev/pts sys; do mountpoint -q "$R/$m" || mount --bind "/$m" "$R/$m"; done
trap 'for m in sys dev/pts dev proc; do umount "$R/$m"; done' EXIT
cp /etc/resolv.conf "$R/etc/resolv.conf"

screen() {  # start Xvfb :97, wait for a window named $1 while $2 runs, screenshot to $3
    IN /bin/bash -c 'Xvfb :97 -screen 0 1366x768x24 >/dev/null 2>&1 & echo $! > /tmp/xvfb.pid'; sleep 2
    for _ in $(seq 1 240); do
        IN env DISPLAY=:97 xwininfo -root -tree 2>/dev/null | grep -q "$1" && { echo "window: $1"; break; }
        kill -0 "$2" 2>/dev/null || { echo "ended before a window showed"; break; }; sleep 5
    done
    sleep 3; IN env DISPLAY=:97 /bin/bash -c "xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > /tmp/$3"
    pkill -P "$2" 2>/dev/null; kill "$2" 2>/dev/null; kill "$(cat "$R/tmp/xvfb.pid")" 2>/dev/null
}

if [ "$mode" = readme ]; then
    repo=$3 branch=${4:-main}
    echo "== README command 1 (as root; the root has no sudo, python3 or git)"
    IN /bin/bash -c '$(command -v sudo) apt-get update && $(command -v sudo) apt-get install -y python3 python3-venv git libgl1 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0' > "$L/cmd1.log" 2>&1
    echo "rc=$?"
    IN apt-get install -y xvfb x11-utils x11-apps netpbm procps > "$L/tools.log" 2>&1
    if [ -n "${EXTRA_CA_DIR:-}" ]; then cp "$EXTRA_CA_DIR"/*.crt "$R/usr/local/share/ca-certificates/"; IN update-ca-certificates > /dev/null; fi
    rm -rf "$R/root/memvault" && git clone -q --branch "$branch" "$repo" "$R/root/memvault" || exit 1
    echo "== README command 2 (in the clone)"
    IN env DISPLAY=:97 /bin/bash -c 'cd /root/memvault && python3 -m venv .venv && . .venv/bin/activate && pip install . && memvault' > "$L/cmd2.log" 2>&1 &
    screen "Create your Memvault" $! readme.png
    IN du -sh /root/memvault/.venv
    echo "== README test command (in a second clone, word for word; no display: the tests draw offscreen)"
    rm -rf "$R/root/memvault-tests" && git clone -q --branch "$branch" "$repo" "$R/root/memvault-tests" || exit 1
    IN /bin/bash -c 'cd /root/memvault-tests && python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest -q' > "$L/tests.log" 2>&1
    echo "rc=$?"; tail -1 "$L/tests.log"
elif [ "$mode" = deb ]; then
    cp "$3" "$R/root/memvault.deb"
    echo "== apt-get install ./memvault.deb"
    IN /bin/bash -c 'cd /root && apt-get update -q && apt-get install -y ./memvault.deb' > "$L/deb.log" 2>&1; echo "rc=$?"
    echo "missing libraries of Qt's xcb plugin: $(IN /bin/bash -c 'ldd /opt/memvault/_internal/PySide6/Qt/plugins/platforms/libqxcb.so | grep -c "not found"')"
    IN memvault version
    IN apt-get install -y xvfb x11-utils x11-apps netpbm procps > "$L/tools.log" 2>&1
    IN env DISPLAY=:97 memvault gui > "$L/gui.log" 2>&1 &
    screen "Create your Memvault" $! deb.png
    IN env MEMVAULT_HOME=/root/vault MEMVAULT_PASSPHRASE="correct horse battery staple" /bin/bash -c '
        memvault init && memvault add "The user prefers dark mode in every editor" &&
        memvault add "The quarterly budget meeting moved to Tuesday" && memvault add "Buy oat milk and coffee beans" &&
        memvault search --mode semantic --limit 1 "which colour theme does the user like"' | tee "$L/search.log"
    grep -q "dark mode" "$L/search.log" && echo "found by meaning" || { echo "NOT FOUND"; exit 1; }
else
    echo "usage: $0 readme|deb ROOTDIR REPO|DEB [BRANCH]" >&2; exit 2
fi
