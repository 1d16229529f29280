"""A real-socket HTTP server on 127.0.0.1 for tests: scripted responses, validators, a request log.

Use the `loopback_server` fixture (or `with LoopbackServer() as server:`), register routes per test
with `server.add(...)` / `server.add_sequence(...)`, and point real clients at `server.url(path)`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PIECE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Response:
    """One scripted answer; `delay` pauses before the status line, `stall` mid-body."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    stall: float = 0.0
    stream_size: int | None = None  # generate this many bytes on the fly instead of `body`
    chunked: bool = False  # Transfer-Encoding: chunked, so no Content-Length announces the size


@dataclass
class RecordedRequest:
    """A request as the server saw it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    timestamp: float
    body_bytes_sent: int = 0
    aborted: bool = False  # the client hung up before the whole body was sent


class LoopbackServer:
    """ThreadingHTTPServer on an ephemeral port, serving scripted responses per path."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        # What stamps `RecordedRequest.timestamp`; tests with an injected clock replace it, so
        # request spacing is measured on that clock instead of slept through.
        self.clock: Callable[[], float] = time.monotonic
        self._routes: dict[str, list[Response]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
    ) -> str:
        """Serve the same response at `path` every time; returns its URL."""
        response = Response(status, body, dict(headers or {}), etag, last_modified, delay)
        return self.add_sequence(path, [response])

    def add_sequence(self, path: str, responses: list[Response]) -> str:
        """Serve `responses` in order at `path`; the last one repeats once the others are used."""
        if not responses:
            raise ValueError("a sequence needs at least one response")
        with self._lock:
            self._routes[path] = list(responses)
        return self.url(path)

    def add_redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.add(path, status=status, headers={"Location": location})

    def add_redirect_loop(self, path: str) -> str:
        """`path` redirects to itself forever."""
        return self.add_redirect(path, path)

    def add_oversized(
        self, path: str, size: int = 30 * 1024 * 1024, *, chunked: bool = False
    ) -> str:
        """A body of `size` bytes generated while sending; `chunked` hides the size."""
        return self.add_sequence(path, [Response(stream_size=size, chunked=chunked)])

    def add_stalled_body(self, path: str, body: bytes, stall: float) -> str:
        """Headers and half the body at once, then silence for `stall` seconds."""
        return self.add_sequence(path, [Response(body=body, stall=stall)])

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no handler is running, so records are complete before asserting."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError("loopback handlers still running")

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop accepting, close the socket."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _begin(self, handler: _Handler) -> tuple[RecordedRequest, Response | None]:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = RecordedRequest(handler.command, handler.path, headers, self.clock())
        with self._lock:
            self._in_flight += 1
            self.requests.append(record)
            return record, self._next_response(handler.path)

    def _next_response(self, path: str) -> Response | None:
        queue = self._routes.get(path) or self._routes.get(path.split("?", 1)[0])
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def _end(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True when it is."""
        return seconds > 0 and self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # idle keep-alive connections end on their own

    def do_GET(self) -> None:
        owner: LoopbackServer = self.server.owner  # type: ignore[attr-defined]
        record, response = owner._begin(self)
        try:
            self._answer(owner, record, response)
        except OSError:
            record.aborted = True
            self.close_connection = True
        finally:
            owner._end()

    def _answer(
        self, owner: LoopbackServer, record: RecordedRequest, response: Response | None
    ) -> None:
        if response is None:
            response = Response(status=404, body=b"no route\n")
        if owner._pause(response.delay):
            self.close_connection = True
            return
        if _not_modified(self.headers, response):
            self._send_head(304, response, length=0)
            return
        size = response.stream_size if response.stream_size is not None else len(response.body)
        self._send_head(response.status, response, length=None if response.chunked else size)
        for piece in _pieces(response, owner):
            self._write(piece, response.chunked)
            record.body_bytes_sent += len(piece)
        if response.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _send_head(self, status: int, response: Response, length: int | None) -> None:
        self.send_response(status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.etag:
            self.send_header("ETag", response.etag)
        if response.last_modified:
            self.send_header("Last-Modified", response.last_modified)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _write(self, piece: bytes, chunked: bool) -> None:
        if chunked:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        else:
            self.wfile.write(piece)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `server.requests` instead."""


def _pieces(response: Response, owner: LoopbackServer) -> Iterator[bytes]:
    """The body in pieces; generated when `stream_size` is set; paused halfway when `stall`."""
    if response.stream_size is not None:
        remaining = response.stream_size
        while remaining > 0:
            piece = b"x" * min(PIECE_BYTES, remaining)
            remaining -= len(piece)
            yield piece
        return
    half = len(response.body) // 2
    if response.stall > 0:
        yield response.body[:half]
        if owner._pause(response.stall):
            return
        yield response.body[half:]
    elif response.body:
        yield response.body


def _not_modified(request_headers: Mapping[str, str], response: Response) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if response.status != 200:
        return False
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {_weak(tag) for tag in if_none_match.split(",")}
        return "*" in tags or (response.etag is not None and _weak(response.etag) in tags)
    if_modified_since = request_headers.get("If-Modified-Since")
    if not if_modified_since or not response.last_modified:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
        return parsedate_to_datetime(response.last_modified) <= since
    except (TypeError, ValueError):
        return False


def _weak(tag: str) -> str:
    """Weak comparison (RFC 9110 §8.8.3.2): W/"x" and "x" match."""
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


@contextmanager
def refused_port() -> Iterator[int]:
    """A port that refuses connections: bound but never listening, so nothing can take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        with suppress(OSError):
            sock.close()


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    """A started LoopbackServer, stopped after the test."""
    with LoopbackServer() as server:
        yield server
