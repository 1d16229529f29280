"""A loopback OpenAI-compatible chat-completions server with scripted replies, for the real
`openai` client (tests and bench/briefings.py).

Each POST /v1/chat/completions takes the next scripted `Reply`; a reply's `content` may be a
function of the request, so a "good" reply can cite exactly the papers it was given. Requests
are recorded with their JSON bodies.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Content = str | Callable[[dict], str]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a completion (`content`), or an error `status`; `delay` first."""

    content: Content = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class ChatServer:
    """ThreadingHTTPServer on 127.0.0.1; `script` replies in order, then `default` forever."""

    def __init__(self, default: Reply | None = None) -> None:
        self.requests: list[dict] = []
        self.script: list[Reply] = []
        self.default = default
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def _next(self, request: dict) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.script:
                return self.script.pop(0)
        if self.default is None:
            return Reply(status=500, content="no scripted reply left")
        return self.default

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        reply = self.server.owner._next(request)  # type: ignore[attr-defined]
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            body = json.dumps({"error": {"message": "scripted error", "type": "server_error"}})
        else:
            text = reply.content(request) if callable(reply.content) else reply.content
            body = json.dumps(completion(request, text))
        data = body.encode()
        try:
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


def count_tokens(text: str) -> int:
    """The server's own token count: words and punctuation, like a simple tokenizer."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def completion(request: dict, text: str) -> dict:
    """A chat.completion object with `usage` counted by this server."""
    prompt = sum(count_tokens(m.get("content") or "") for m in request.get("messages", []))
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "loopback"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": count_tokens(text),
            "total_tokens": prompt + count_tokens(text),
        },
    }


def paper_numbers(request: dict) -> list[int]:
    """The reference numbers of the papers (or theme summaries) in the request's user message."""
    user = request["messages"][1]["content"]  # the task (a repair keeps it as message 1)
    numbers = [int(n) for n in re.findall(r'^\{"n": (\d+)', user, re.MULTILINE)]
    return numbers or sorted({int(n) for n in re.findall(r"\[(\d+)\]", user)})


def good_briefing(request: dict) -> str:
    """A well-formed briefing (or theme summary) citing every paper it was given."""
    numbers = paper_numbers(request)
    cites = ", ".join(f"[{n}]" for n in numbers)
    head = ", ".join(f"[{n}]" for n in numbers[:3])
    return (
        "# Briefing\n\n"
        f"## Headline summary\n\nToday's papers share methods across fields {head}.\n\n"
        f"## Themes\n\n### Learning\n\nThe papers develop learning methods {cites}.\n\n"
        f"## Cross-disciplinary connections\n\nGraph methods link fields {head}.\n\n"
        f"## Notable papers\n\n- A strong result {head}\n\n"
        f"## Open questions\n\n- Whether the methods transfer {head}\n"
    )


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server
