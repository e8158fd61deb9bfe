"""Drill: Redis (the channel layer) dies and restarts while customers are mid-conversation.

A private redis-server on a port of its own (never the shared one), daphne process(es) using it as the
channel layer, and N customers that each send M messages with the widget's behaviour (reconnect with
back-off, read history, resend what was not acknowledged: bench/live/customer.py). While they talk,
Redis is killed (SIGKILL, nothing kept), left down for --down seconds, and started again empty. Then
the database is checked: every message stored exactly once, exactly one reply each; and each client's
view: nothing left unacknowledged, no message answered twice. Exit status 1 when anything was lost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load .venv/bin/python -m bench.drills.redis_restart
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.drills.services import private_redis
from bench.live.customer import Customer
from bench.live.load import TEXTS, create_conversation, db_check
from tests.live.server import ROOT, stack


async def talk(customer: Customer, messages: int, rng: random.Random) -> None:
    await customer.connect()
    try:
        for i in range(messages):
            await customer.say(f"{customer.name}-m{i}", rng.choice(TEXTS))
            await asyncio.sleep(rng.uniform(0.1, 0.5))
    finally:
        await customer.close()


async def drill(bases: list[str], redis, args: argparse.Namespace) -> tuple[list[Customer], list[BaseException], dict]:  # noqa: ANN001
    loop = asyncio.get_running_loop()
    opened = await asyncio.gather(*(loop.run_in_executor(None, create_conversation, bases[i % len(bases)])
                                    for i in range(args.conversations)))
    customers = [Customer(bases[i % len(bases)], c, name=f"c{i}", reply_timeout_s=args.reply_timeout) for i, c in enumerate(opened)]
    tasks = [asyncio.ensure_future(talk(c, args.messages, random.Random(i))) for i, c in enumerate(customers)]
    await asyncio.sleep(args.at)
    events = {"killed_at_s": args.at, "settled_before_kill": sum(len(c.acked) for c in customers)}
    await loop.run_in_executor(None, redis.kill)
    await asyncio.sleep(args.down)
    await loop.run_in_executor(None, redis.start)
    events["restarted_after_s"] = args.down
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    return customers, [o for o in outcomes if isinstance(o, BaseException)], events


def client_view(customers: list[Customer], failures: list[BaseException]) -> dict:
    twice = [f"{c.name}/{cid}" for c in customers for cid, mid in c.acked.items() if len(c.replies.get(mid, [])) > 1]
    return {
        "messages_sent": sum(len(c.timings) for c in customers),
        "acknowledged": sum(len(c.acked) for c in customers),
        "replied": sum(t.replied for c in customers for t in c.timings.values()),
        "left_unacknowledged": sum(len(c.pending) for c in customers),
        "answered_twice_seen": len(twice),
        "reconnects": sum(c.reconnects for c in customers),
        "customers_that_reconnected": sum(c.reconnects > 0 for c in customers),
        "close_codes": sorted({str(code) for c in customers for code in c.close_codes}),
        "error_frames": sorted({e.get("code") for c in customers for e in c.errors}),
        "failed_customers": len(failures), "failures": sorted({f"{type(f).__name__}: {f}"[:120] for f in failures})[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--daphnes", type=int, default=2, help="web processes sharing the Redis layer")
    parser.add_argument("--at", type=float, default=2.0, help="seconds into the conversations when Redis is killed")
    parser.add_argument("--down", type=float, default=3.0, help="seconds Redis stays down")
    parser.add_argument("--token-delay", type=float, default=0.1, help="streaming pipeline: seconds before each of its 6 tokens")
    parser.add_argument("--reply-timeout", type=float, default=90.0)
    args = parser.parse_args()
    if args.conversations > 200 or args.messages > 20 or args.daphnes > 4:
        parser.error("bounded: at most 200 conversations, 20 messages, 4 web processes")
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": str(args.token_delay)}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, private_redis(Path(tmp)) as redis:
        os.environ["REDIS_URL"] = redis.url  # read by the stack: channel layer (and broker) of the daphnes
        with stack(Path(tmp), ROOT / "var" / "bench" / "drills", **env) as running:
            bases = [running.start(f"redis-drill-{i}") for i in range(args.daphnes)]
            customers, failures, events = asyncio.run(drill(bases, redis, args))
            result = {"drill": "redis_restart", **vars(args), **events, "client": client_view(customers, failures),
                      "database": db_check(running, customers), "wall_s": round(time.monotonic() - started, 1)}
    client = result["client"]
    ok = result["database"]["ok"] and not client["left_unacknowledged"] and not client["answered_twice_seen"] and not failures
    result["ok"] = ok
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
