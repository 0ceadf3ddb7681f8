"""One desktop app per vault: a second ``memvault`` brings the running one forward instead of starting.

The running app listens on a local socket named after the vault folder (and the
user, since the socket namespace may be shared); a second launch connects,
says "show", and exits. A socket left by a crashed app answers nobody, so
the new app removes it and listens itself.
"""

from __future__ import annotations

import getpass
import zlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

#: What a later launch can ask of the running app.
SHOW, CAPTURE = "show", "capture"
_TIMEOUT_MS = 1000


def socket_name(home: Path) -> str:
    """A short, stable name for the vault folder (local socket names are limited in length)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    key = f"{user}\x00{home.expanduser().resolve()}".encode()
    return f"memvault-{zlib.crc32(key):08x}"


def signal_running(name: str, command: str = SHOW) -> bool:
    """Ask an app already running for this vault to show itself (or Quick capture); whether one answered."""
    client = QLocalSocket()
    client.connectToServer(name)
    if not client.waitForConnected(_TIMEOUT_MS):
        return False
    client.write(command.encode() + b"\n")
    client.waitForBytesWritten(_TIMEOUT_MS)
    client.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for later launches of the same vault.

    Signals:
        activation_requested(str): another launch asked this app to show itself (``show``) or Quick capture.
    """

    activation_requested = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        self._connections: list[QLocalSocket] = []
        if not self._server.listen(name):
            QLocalServer.removeServer(name)  # left by an app that did not exit cleanly
            self._server.listen(name)

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def _on_server_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            self._connections.append(self._server.nextPendingConnection())
            self._connections[-1].readyRead.connect(self._on_connection_ready_read)

    def _on_connection_ready_read(self) -> None:
        for connection in list(self._connections):
            if not connection.canReadLine():
                continue
            command = bytes(connection.readLine().data()).decode("ascii", "replace").strip()
            self._connections.remove(connection)
            connection.abort()
            if command in (SHOW, CAPTURE):
                self.activation_requested.emit(command)

    def close(self) -> None:
        self._server.close()
