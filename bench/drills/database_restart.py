"""Drill: PostgreSQL stops under a running web process, stays down, then starts again.

A private PostgreSQL cluster (initdb in a temporary folder, its own port; the shared server is never
touched) serves one daphne. A customer is connected. The server is stopped (pg_ctl -m fast, which
closes every connection), and while it is down the drill records what the health endpoint, the API
and the chat socket answer. Then it starts the server again and records how long the same web process
takes to answer 200 again (no restart), and that the message the customer resent is stored once and
answered once. Exit status 1 when a check fails. tests/reliability/test_database_outage.py runs the
same checks in CI through a proxy it cuts.

    .venv/bin/python -m bench.drills.database_restart --down 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.drills.services import http_json as call
from bench.drills.services import private_postgres
from bench.live.customer import Customer
from bench.live.load import create_conversation, db_check
from tests.live.server import ROOT, stack


async def drill(base: str, server, down_s: float) -> tuple[dict, Customer]:  # noqa: ANN001
    conversation = create_conversation(base)
    customer = Customer(base, conversation, name="db-drill", reply_timeout_s=60, retry_s=2.0)
    await customer.connect()
    loop = asyncio.get_running_loop()
    seen: dict = {"before": call("GET", f"{base}/api/v1/health/")[0]}
    await loop.run_in_executor(None, server.stop)
    stopped = time.monotonic()
    status, body, _ = call("GET", f"{base}/api/v1/health/")
    seen["health_down"] = {"status": status, "message": body.get("message"), "database": body["checks"]["database"]}
    status, body, headers = call("POST", f"{base}/api/v1/conversations/", {"channel": "widget"})
    seen["api_create_down"] = {"status": status, "body": body, "retry_after": headers.get("Retry-After")}
    status, body, _ = call("GET", f"{base}/api/v1/conversations/{conversation['id']}/messages/", token=conversation["access_token"])
    seen["api_messages_down"] = {"status": status, "code": body.get("error", {}).get("code")}
    try:
        await customer.say("m1", "When will my card arrive?", timeout=max(1.0, down_s - (time.monotonic() - stopped)))
        seen["chat_down"] = "answered while the database was down?"
    except TimeoutError:
        seen["chat_down"] = {"error_codes": sorted({e["code"] for e in customer.errors}), "still_pending": "m1" in customer.pending}
    await asyncio.sleep(max(0.0, down_s - (time.monotonic() - stopped)))
    await loop.run_in_executor(None, server.start)
    restarted = time.monotonic()
    while call("GET", f"{base}/api/v1/health/")[0] != 200:
        if time.monotonic() - restarted > 60:
            raise TimeoutError("no recovery within 60 s of the database restarting")
        await asyncio.sleep(0.2)
    seen["recovered_s_after_database_start"] = round(time.monotonic() - restarted, 2)
    seen["api_create_after"] = call("POST", f"{base}/api/v1/conversations/", {"channel": "widget"})[0]
    customer.errors.clear()
    await customer.say("m1", "When will my card arrive?")
    seen["chat_after"] = {"replied": customer.timings["m1"].replied, "errors": [e["code"] for e in customer.errors]}
    await customer.close()
    return seen, customer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--down", type=float, default=10.0, help="seconds the database stays down")
    args = parser.parse_args()
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.02"}
    os.environ.pop("REDIS_URL", None)  # the drill is about the database: filesystem broker, in-process layer
    with tempfile.TemporaryDirectory() as tmp, private_postgres(Path(tmp)) as server:
        os.environ["DATABASE_URL"] = server.url
        with stack(Path(tmp) / "var", ROOT / "var" / "bench" / "drills", **env) as running:
            base = running.start("database-drill")
            process = running.servers[base]
            seen, customer = asyncio.run(drill(base, server, args.down))
            seen["same_process"] = process.poll() is None
            seen["database"] = db_check(running, [customer])
    checks = {
        "health_503_while_down": seen["health_down"]["status"] == 503,
        "api_503_while_down": seen["api_create_down"]["status"] == 503 and seen["api_messages_down"]["status"] == 503,
        "chat_message_kept_pending": isinstance(seen["chat_down"], dict) and seen["chat_down"]["still_pending"],
        "recovered_without_restart": seen["same_process"] and seen["api_create_after"] == 201,
        "message_stored_once_answered_once": seen["database"]["ok"] and seen["database"]["answered"] == 1,
    }
    result = {"drill": "database_restart", "down_s": args.down, **seen, "checks": checks, "ok": all(checks.values())}
    print(json.dumps(result, default=str))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
