"""A loopback HTTP server that receives webhook POSTs: it keeps each body and answers with the
status (and delay) the test set. Use the `webhook_receiver` fixture."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Posted:
    """One POST as the receiver got it; header names lower-cased."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 204
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class WebhookReceiver:
    """ThreadingHTTPServer on 127.0.0.1 (or ::1) with an ephemeral port."""

    def __init__(self) -> None:
        self.posts: list[Posted] = []
        self.answer = Answer()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self._httpd.server_address[1]}{path}"

    def received(self) -> list[Posted]:
        with self._lock:
            return list(self.posts)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        owner: WebhookReceiver = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        with owner._lock:
            owner.posts.append(Posted(self.path, headers, body))
            answer = owner.answer
        time.sleep(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()
