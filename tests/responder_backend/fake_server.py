"""A chat-completions server on loopback that misbehaves on request: each behaviour is a path prefix,
so one server answers ``http://127.0.0.1:PORT/<behaviour>/v1``. It records what it was sent and whether
the client went away while it was still streaming."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

REPLY = ["New cards ", "arrive within ", "3 to 5 working days [1].", " You can follow", " the card in the app [1]."]


def chunk(content: str | None = None, *, role: str | None = None, finish: str | None = None) -> bytes:
    delta = {k: v for k, v in (("role", role), ("content", content)) if v is not None}
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\r\n\r\n"


DONE = b"data: [DONE]\r\n\r\n"


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        behaviour = self.path.strip("/").split("/")[0]
        self.server.requests.append({"path": self.path, "body": body, "authorization": self.headers.get("Authorization")})
        if behaviour == "http500":
            self._send(500, b'{"error": {"message": "model not loaded"}}', "application/json")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            getattr(self, f"_{behaviour}")()
        except (BrokenPipeError, ConnectionResetError):
            self.server.client_left.set()

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def _ok(self) -> None:
        self._write(b": ping\r\n\r\n" + chunk(role="assistant"))
        for piece in REPLY:
            self._write(chunk(piece))
        self._write(chunk(finish="stop") + DONE)

    def _malformed(self) -> None:
        self._write(chunk(role="assistant") + chunk(REPLY[0]) + b"data: {\"choices\": [{\"delta\": \r\n\r\n")

    def _not_a_chunk(self) -> None:
        self._write(b'data: {"object": "something else"}\r\n\r\n')

    def _error_chunk(self) -> None:
        self._write(b'data: {"error": {"message": "out of memory"}}\r\n\r\n')

    def _empty(self) -> None:
        pass  # headers, then the connection closes: no data, no [DONE]

    def _truncated(self) -> None:
        self._write(chunk(role="assistant") + chunk(REPLY[0]))

    def _done_only(self) -> None:
        self._write(chunk(role="assistant") + chunk(finish="stop") + DONE)

    def _slow_first(self) -> None:
        self._write(chunk(role="assistant"))  # a role-only chunk is not a token
        time.sleep(self.server.delay)
        self._ok()

    def _stall(self) -> None:
        self._write(chunk(role="assistant") + chunk(REPLY[0]))
        time.sleep(self.server.delay)
        self._write(chunk(REPLY[1]) + DONE)

    def _endless(self) -> None:
        self._write(chunk(role="assistant"))
        for _ in range(2000):
            self._write(chunk("more words "))
            time.sleep(0.005)
        self._write(DONE)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float = 2.0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict[str, Any]] = []
        self.client_left = threading.Event()
        self.delay = delay
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def url(self, behaviour: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{behaviour}/v1"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
