"""A small fake card-delivery service for the demo bank's "card delivery status" action.

``make run`` starts it on loopback (``python -m integrations.demo_service``); the demo action asks the customer
for the 8-digit reference of their card order and calls ``GET /cards/{reference}/delivery``. Plain WSGI, no
Django. Some references behave badly on purpose, so the hand-off paths can be tried in the demo:

    00000000  404 (no such order)        99999999  500 (the service fails)
    77777777  answers after 30 s (timeout) 88888888  200 with an HTML body (not JSON)
    66666666  200 with JSON lacking the fields the reply needs
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

DEFAULT_PORT = 8765
DEMO_TOKEN = "Bearer demo-cards-token"
_PATH = re.compile(r"^/cards/(?P<reference>[^/]+)/delivery$")
_STAGES = [
    ("dispatched", "Royal Mail", 2),
    ("out for delivery", "Royal Mail", 0),
    ("delivered", "Royal Mail", -1),
]


def delivery_status(reference: str, *, today: dt.date | None = None) -> dict:
    """The (made-up, deterministic) delivery of the card ordered under ``reference``."""
    today = today or dt.date.today()
    status, carrier, days_to_go = _STAGES[int(reference) % len(_STAGES)]
    dispatched = today - dt.timedelta(days=2 + int(reference[-1]) % 3)
    return {
        "reference": reference,
        "status": status,
        "carrier": carrier,
        "dispatched_on": dispatched.strftime("%d %B %Y"),
        "expected_by": (today + dt.timedelta(days=max(days_to_go, 0))).strftime("%d %B %Y"),
    }


def make_app(*, token: str | None = DEMO_TOKEN, slow_s: float = 30.0) -> Callable:
    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def answer(status: str, body: object, content_type: str = "application/json") -> list[bytes]:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
            return [data]

        if token and environ.get("HTTP_AUTHORIZATION") != token:
            return answer("401 Unauthorized", {"error": "missing or wrong token"})
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or match is None:
            return answer("404 Not Found", {"error": "not found"})
        reference = match.group("reference")
        if not reference.isdigit() or len(reference) != 8 or reference == "00000000":
            return answer("404 Not Found", {"error": "no card order with this reference"})
        if reference == "99999999":
            return answer("500 Internal Server Error", {"error": "the delivery system is down"})
        if reference == "77777777":
            time.sleep(slow_s)
        if reference == "88888888":
            return answer("200 OK", b"<html><body>Maintenance</body></html>", "text/html")
        if reference == "66666666":
            return answer("200 OK", {"reference": reference, "state": "unknown"})
        return answer("200 OK", delivery_status(reference))

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(*, host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = DEMO_TOKEN,
          slow_s: float = 30.0) -> WSGIServer:
    """A started-on-call server (``serve_forever`` it in a thread; ``server_address`` has the bound port)."""
    return make_server(host, port, make_app(token=token, slow_s=slow_s), server_class=_ThreadingServer,
                       handler_class=_QuietHandler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--token", default=DEMO_TOKEN, help="The Authorization header value required ('' for none).")
    args = parser.parse_args()
    server = serve(host=args.host, port=args.port, token=args.token or None)
    print(f"Demo card-delivery service on http://{args.host}:{server.server_address[1]}/cards/<reference>/delivery", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
