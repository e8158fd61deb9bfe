"""From the end of the install to the demo bot's first cited answer, as a new user meets it.

In a fresh run-time folder (``--var-dir``, which must not exist): `manage.py prepare_demo` in the
foreground, then the web server (daphne, as `rundemo` starts it), then a customer asks a
knowledge-base question over REST. The figures are prepare_demo's wall time, the server's time to
answer /api/v1/health/, the reply time, and the total until the first reply that cites a source.

    .venv/bin/python -m bench.responder.demo_first_answer --var-dir /tmp/demo-fresh \\
        --output bench/results/demo_first_answer.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

QUESTION = "How long does it take for a new card to arrive?"


def _request(url: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Conversation {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def _wait_ready(base: str, server: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"{base}/api/v1/health/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers (503 while a part such as the broker is not up yet)
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--note", default="", help="Machine and load, recorded with the figures.")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.var_dir.exists():
        raise SystemExit(f"{args.var_dir} exists: the measurement starts from a fresh folder")
    env = os.environ | {"CHATBOT_VAR_DIR": str(args.var_dir), "AUDIT_GATE_ENABLED": "false", "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "prepare_demo"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    prepared = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(args.port),
                               "chatbot.asgi:application"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        _wait_ready(base, server, 300)
        ready = time.perf_counter()
        conversation = _request(f"{base}/api/v1/conversations/", {})
        asked = time.perf_counter()
        answer = _request(f"{base}/api/v1/conversations/{conversation['id']}/messages/", {"text": args.question},
                          token=conversation["access_token"])
        answered = time.perf_counter()
    finally:
        server.terminate()
        server.wait(timeout=30)
    reply = answer.get("reply") or {}
    report = {
        "command": "python -m bench.responder.demo_first_answer " + " ".join(argv or sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_at_end": os.getloadavg()},
        "note": args.note,
        "prepare_demo_seconds": round(prepared - started, 1),
        "server_ready_seconds": round(ready - prepared, 1),
        "first_reply_seconds": round(answered - asked, 2),
        "total_to_first_reply_seconds": round(answered - started, 1),
        "question": args.question,
        "reply": reply.get("text"), "sources": reply.get("sources"), "tier": reply.get("answer_tier"),
        "handed_off": reply.get("handoff_reason"),
        "cited": bool(reply.get("sources")) and "[" in (reply.get("text") or ""),
        "response": answer,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("prepare_demo_seconds", "server_ready_seconds", "first_reply_seconds",
                                             "total_to_first_reply_seconds", "cited", "reply")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
