"""A TCP proxy on 127.0.0.1 that can lose a server's answer: the request reaches the server, the server
commits and answers, and the answer is thrown away with the connection, as when a kiosk's network drops."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class CuttingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.connections = 0  # connections the proxy accepted
        self.cut = 0  # answers thrown away
        self._cuts_pending = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_next(self, answers: int = 1) -> None:
        """Throw away the answer on each of the next `answers` connections."""
        with self._lock:
            self._cuts_pending += answers

    def close(self) -> None:
        self._stopped.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                cut = self._cuts_pending > 0
                self._cuts_pending -= cut
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, cut), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, cut: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if cut:  # the server has answered, so it has committed: lose the answer
                    with self._lock:
                        self.cut += 1
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


@contextmanager
def cutting_proxy(upstream_base_url: str) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(int(upstream_base_url.rsplit(":", 1)[1]))
    try:
        yield proxy
    finally:
        proxy.close()
