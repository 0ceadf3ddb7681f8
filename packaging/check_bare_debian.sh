#!/bin/bash
# Checks the README's two commands and the .deb on bare Debian 12 roots (run as root on a Debian host).
#   sh packaging/check_bare_debian.sh readme ROOTDIR REPO [BRANCH]   the README's system packages line, its
#                                                                     install-and-start command, and its install-
#                                                                     and-test command, each word for word
#   sh packaging/check_bare_debian.sh deb ROOTDIR DEB                 apt-get install ./the.deb, open the app,
#                                                                     CLI add + search by meaning with each bundled
#                                                                     model (e5: queries in German and Spanish), then
#                                                                     unlock the e5 vault in the app and search it
# TESTS=0 leaves out readme's test command (the whole suite: minutes of two cores).
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
# A process the app started may hold /dev for a moment after the app ends: try again before giving up.
trap 'for m in sys dev/pts dev proc; do umount "$R/$m" 2>/dev/null || { sleep 3; umount "$R/$m"; }; done' EXIT
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
    [ "${TESTS:-1}" = 0 ] && { echo "TESTS=0: the test command is left out"; exit 0; }
    echo "== README test command (in a second clone, word for word; no display: the tests draw offscreen)"
    rm -rf "$R/root/memvault-tests" && git clone -q --branch "$branch" "$repo" "$R/root/memvault-tests" || exit 1
    IN /bin/bash -c 'cd /root/memvault-tests && python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest -q' > "$L/tests.log" 2>&1
    echo "rc=$?"; tail -1 "$L/tests.log"
elif [ "$mode" = deb ]; then
    cp "$3" "$R/root/memvault.deb"
    echo "== apt-get install ./memvault.deb"
    IN /bin/bash -c 'cd /root && apt-get update -q && apt-get install -y ./memvault.deb' > "$L/deb.log" 2>&1; echo "rc=$?"
    echo "missing libraries of Qt's xcb plugin: $(IN /bin/bash -c 'ldd /opt/memvault/_internal/PySide6/Qt/plugins/platforms/libqxcb.so | grep -c "not found"')"
    IN du -sb /opt/memvault
    IN memvault version
    IN apt-get install -y xvfb x11-utils x11-apps netpbm procps xdotool tesseract-ocr > "$L/tools.log" 2>&1
    IN env DISPLAY=:97 memvault gui > "$L/gui.log" 2>&1 &
    screen "Create your Memvault" $! deb.png
    ok=1
    echo "== the default model (all-MiniLM-L6-v2): CLI add + search by meaning"
    IN env MEMVAULT_HOME=/root/vault MEMVAULT_PASSPHRASE="correct horse battery staple" /bin/bash -c '
        memvault init && memvault add "The user prefers dark mode in every editor" &&
        memvault add "The quarterly budget meeting moved to Tuesday" && memvault add "Buy oat milk and coffee beans" &&
        memvault search --mode semantic --limit 1 "which colour theme does the user like"' | tee "$L/search.log"
    grep -q "dark mode" "$L/search.log" && echo "found by meaning" || { echo "NOT FOUND"; ok=0; }
    echo "== multilingual-e5-small: English memories, a German and a Spanish query"
    IN env MEMVAULT_HOME=/root/vault-e5 MEMVAULT_PASSPHRASE="correct horse battery staple" /bin/bash -c '
        memvault init --model multilingual-e5-small && memvault add "The user prefers dark mode in every editor" &&
        memvault add "The quarterly budget meeting moved to Tuesday" && memvault add "Buy oat milk and coffee beans" &&
        memvault models &&
        memvault search --mode semantic --limit 1 "Welches Farbschema mag der Nutzer?" &&
        memvault search --mode semantic --limit 1 "¿Cuándo es la reunión del presupuesto?"' | tee "$L/search-e5.log"
    grep -q "dark mode" "$L/search-e5.log" && grep -q "budget meeting" "$L/search-e5.log" \
        && echo "found by meaning across languages" || { echo "NOT FOUND (e5)"; ok=0; }
    echo "== the desktop app on the e5 vault: unlock, Ctrl+F, a German query (xdotool types as a person would)"
    IN /bin/bash -c 'Xvfb :97 -screen 0 1366x768x24 >/dev/null 2>&1 & echo $! > /tmp/xvfb.pid'; sleep 2
    IN env DISPLAY=:97 MEMVAULT_HOME=/root/vault-e5 memvault gui > "$L/gui-e5.log" 2>&1 &
    gui=$!
    win() { for _ in $(seq 1 120); do IN env DISPLAY=:97 xwininfo -root -tree 2>/dev/null | grep -q "$1" && return 0
                                       kill -0 "$gui" 2>/dev/null || return 1; sleep 2; done; return 1; }
    X() { IN env DISPLAY=:97 timeout 20 xdotool "$@"; }
    focus() { X search --name "$1" windowfocus mousemove --window %1 60 60; sleep 1; }  # no window manager here
    if win "Unlock Memvault"; then
        echo "window: Unlock Memvault"; sleep 2
        focus "Unlock Memvault"; X type --delay 20 "correct horse battery staple"; X key Return
        if win "vault-e5"; then
            echo "window: the main window (vault-e5)"; sleep 5
            focus "vault-e5"; X key ctrl+f; sleep 1
            X type --delay 30 "Welches Farbschema mag der Nutzer"
            # A German question for English memories is often a weak match (the calibrated relevance of this one
            # is ~0.01, under the good-match point): the app then says "No good match", and Alt+S shows the
            # weaker matches, the answer first among them.
            sleep 8; IN env DISPLAY=:97 /bin/bash -c "xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > /tmp/deb-search-e5-typed.png"
            X key alt+s
            # The first result row, read back from the screen (tesseract): the English memory it means.
            for _ in $(seq 1 40); do
                sleep 3
                first=$(IN env DISPLAY=:97 /bin/bash -c "xwd -root -silent | xwdtopnm 2>/dev/null | pnmcut -left 380 -top 66 -width 700 -height 18 | pnmscale 3 | pnmtopng > /tmp/row1.png && tesseract /tmp/row1.png - 2>/dev/null")
                echo "$first" | grep -qi "dark mode" && break
            done
            echo "the app's first result: $(echo "$first" | tr -s '\n' ' ')"
            echo "$first" | grep -qi "dark mode" && echo "found by meaning in the app" || { echo "NOT FOUND in the app"; ok=0; }
        else echo "the main window did not open"; ok=0; fi
    else echo "the unlock window did not open"; ok=0; fi
    IN env DISPLAY=:97 /bin/bash -c "xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > /tmp/deb-search-e5.png"
    echo "screenshot: $R/tmp/deb-search-e5.png"
    kill "$gui" 2>/dev/null; for _ in $(seq 1 20); do kill -0 "$gui" 2>/dev/null || break; sleep 1; done
    kill "$(cat "$R/tmp/xvfb.pid")" 2>/dev/null
    [ "$ok" = 1 ] && echo "the packaged build passed every check" || exit 1
else
    echo "usage: $0 readme|deb ROOTDIR REPO|DEB [BRANCH]" >&2; exit 2
fi
