"""Load: 1 to 200 concurrent conversations over real sockets, then a check of every stored message.

Starts its own daphne process(es) on 127.0.0.1 against a fresh database (tests/live/server.py):
PostgreSQL and the Redis channel layer when DATABASE_URL / REDIS_URL are set. This process is the
load generator: per run it opens N conversations (REST), connects N customer sockets, and when all
are connected each customer sends --messages messages one after another, each once the previous is
settled, with a random think time between them. It measures time to first token and to the full
reply, messages per second, errors, resident memory and CPU time of each process, then asks the
database whether every customer message is stored exactly once with exactly one reply or hand-off.
Loopback only; bounded in conversations (500), runs (20) and time (--max-seconds).

    .venv/bin/python -m bench.live.load --pipeline streaming
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python -m bench.live.load --pipeline intent --intent-artifact var/models/intent/run-1

The served pipeline (issue #18): the demo's real models (``manage.py prepare_demo``: index, intent
model; extractive tier), PII on, one daphne per core behind one port (``chatbot.serve``), two shapes:
``--shape all-at-once`` (every first message together; wall = drain time) and ``--shape paced``
(first messages spread over --spread seconds, think time --think-min..--think seconds):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load REDIS_URL=redis://127.0.0.1:6379/9 nice -n 10 \\
        .venv/bin/python -m bench.live.load --pipeline served --web-workers 2 --shape paced --think-min 5 --think 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from bench.live.customer import Customer
from bench.live.procstats import Sampler, postgres_backend_pids, redis_pids
from bench.live.run import PIPELINES, QUESTIONS, _manage_long, machine
from tests.live.server import ROOT, Stack, free_port, stack

PIPELINES = {**PIPELINES, "intent": PIPELINES["handoff"]}  # intent: the same provider with a trained model active
TEXTS = [
    "When will my new card arrive?", "How do I reset my PIN?", "Why was I charged a fee for my transfer?",
    "Can I change the address on my account? My email is jo.smith@example.com", "My top-up is still pending",
    "How do I freeze my card?", "What is the exchange rate for euros?", "I want to close my account",
    "Please call me back on 07700 900123", "Where can I see my statements?", "Is Apple Pay supported?",
    "My card payment was declined at the shop",
]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def create_conversation(base: str) -> dict:
    request = urllib.request.Request(f"{base}/api/v1/conversations/", data=b'{"channel": "widget"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


async def _customer_run(customer: Customer, start: asyncio.Event, messages: int, think: float, rng: random.Random,
                        spread: float = 0.0, think_min: float = 0.0, texts: list[str] = TEXTS) -> None:
    await customer.connect()
    await start.wait()
    try:
        await asyncio.sleep(rng.uniform(0, spread))
        for i in range(messages):
            await customer.say(f"{customer.name}-m{i}", rng.choice(texts))
            if i + 1 < messages:
                await asyncio.sleep(rng.uniform(think_min, think))
    finally:
        await customer.close()


async def one_run(bases: list[str], conversations: int, messages: int, think: float, seed: int,
                  reply_timeout: float, spread: float = 0.0, think_min: float = 0.0,
                  texts: list[str] = TEXTS) -> tuple[list[Customer], list[BaseException], float]:
    loop = asyncio.get_running_loop()
    opened = await asyncio.gather(*(loop.run_in_executor(None, create_conversation, bases[i % len(bases)]) for i in range(conversations)))
    customers = [Customer(bases[i % len(bases)], c, name=f"s{seed}c{i}", reply_timeout_s=reply_timeout, reconnect=False)
                 for i, c in enumerate(opened)]
    start = asyncio.Event()
    tasks = [asyncio.ensure_future(_customer_run(c, start, messages, think, random.Random(seed * 1000 + i), spread, think_min, texts))
             for i, c in enumerate(customers)]
    while sum(1 for c in customers if c._ws is not None) + sum(1 for t in tasks if t.done()) < conversations:
        await asyncio.sleep(0.05)  # every socket past its history frame (or failed)
    began = time.perf_counter()
    start.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    return customers, [o for o in outcomes if isinstance(o, BaseException)], time.perf_counter() - began


def db_check(running: Stack, customers: list[Customer]) -> dict:
    sent = {c.conversation["id"]: {cid: c.acked.get(cid) for cid in c.timings} for c in customers}
    result = subprocess.run([sys.executable, "-m", "bench.live.dbcheck"], cwd=ROOT, env=running.env, input=json.dumps(sent),
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarize(customers: list[Customer], failures: list[BaseException], wall: float) -> dict:
    timings = [t for c in customers for t in c.timings.values()]
    replied = [t for t in timings if t.streamed and t.full_ms is not None]
    ttft, full = [t.ttft_ms for t in replied if t.ttft_ms is not None], [t.full_ms for t in replied]
    settled = [t for c in customers for cid, t in c.timings.items() if cid in c.acked]
    error_frames = sum(len(c.errors) for c in customers)
    return {
        "messages_sent": len(timings), "messages_acknowledged": len(settled), "replies_streamed": len(replied),
        "wall_s": round(wall, 2), "messages_per_s": round(len(settled) / wall, 2) if wall else None,
        "replies_per_s": round(len(replied) / wall, 2) if wall else None,
        "ttft_ms": {f"p{q}": _round(percentile(ttft, q / 100)) for q in (50, 95, 99)},
        "full_ms": {f"p{q}": _round(percentile(full, q / 100)) for q in (50, 95, 99)},
        "errors": len(failures) + error_frames, "error_kinds": sorted({type(f).__name__ + ": " + str(f)[:80] for f in failures}
                                                                     | {str(e.get("code")) for c in customers for e in c.errors})[:5],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def level_figures(conversations: int, runs: list[dict]) -> dict:
    def med(path: str) -> float | None:
        first, _, second = path.partition(".")
        return _median([r[first][second] if second else r[first] for r in runs])

    return {"conversations": conversations, "runs": len(runs),
            **{f"{kind}_{q}": med(f"{kind}_ms.{q}") for kind in ("ttft", "full") for q in ("p50", "p95", "p99")},
            "messages_per_s": med("messages_per_s"), "replies_per_s": med("replies_per_s"), "wall_s": med("wall_s"),
            "web_cpu_ms_per_message": _median([r.get("web_cpu_ms_per_message") for r in runs]),
            "errors": sum(r["errors"] for r in runs), "db_ok": all(r["db"]["ok"] for r in runs),
            "db_problems": {k: sum(r["db"][k] for r in runs) for k in ("missing", "duplicated", "unanswered", "answered_twice", "unknown")},
            "processes": {name: {"peak_rss_mb": max(r["processes"][name]["peak_rss_mb"] for r in runs),
                                 "cpu_share_of_one_core": _median([r["processes"][name]["cpu_share_of_one_core"] for r in runs])}
                          for name in runs[0]["processes"] if name != "machine"},
            "load_average": [r["processes"]["machine"]["load_average"][0] for r in runs]}


def activate_intent_model(running: Stack, artifact: Path) -> None:
    running.manage("load_demo_data")
    running.manage("shell", "-c", (
        "from training.registry.versions import version_activate, version_register\n"
        f"v = version_register(kind='intent', artifact_path={str(artifact.resolve())!r})\n"
        "version_activate(version=v)\n"))


async def warm_up(bases: list[str]) -> None:
    for base in bases:  # loads the PII engine and the model in each process
        customer = Customer(base, create_conversation(base), name="warm", reconnect=False)
        await customer.connect()
        await customer.say("warm-1", "hello there")
        await customer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", choices=sorted(PIPELINES), default="streaming")
    parser.add_argument("--intent-artifact", type=Path, help="with --pipeline intent: a trained intent artifact folder to activate")
    parser.add_argument("--conversations", default="1,10,50,200", help="comma-separated concurrency levels (at most 500)")
    parser.add_argument("--messages", type=int, default=3, help="messages per conversation, each after the previous is settled")
    parser.add_argument("--think", type=float, default=1.0, help="think time between messages: uniform 0..THINK seconds")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs per level; figures are medians over runs")
    parser.add_argument("--daphnes", type=int, default=1, help="web processes; conversations are spread round-robin")
    parser.add_argument("--workers", type=int, default=16, help="CHAT_REPLY_WORKERS per web process")
    parser.add_argument("--pii", choices=["on", "off"], default="on")
    parser.add_argument("--token-delay", type=float, default=0.02, help="streaming pipeline: seconds before each of its 6 tokens")
    parser.add_argument("--reply-timeout", type=float, default=60.0)
    parser.add_argument("--max-seconds", type=float, default=1800, help="give up after this long")
    parser.add_argument("--web-workers", type=int, default=0, help="serve through chatbot.serve with this many daphnes on one port")
    parser.add_argument("--shape", choices=["all-at-once", "paced", "both"], default="all-at-once")
    parser.add_argument("--spread", type=float, default=10.0, help="paced: first messages spread over this many seconds")
    parser.add_argument("--think-min", type=float, default=0.0, help="think time lower bound (paced: 5)")
    parser.add_argument("--out", default="", help="also write the JSON result to this file")
    args = parser.parse_args()
    levels = [int(n) for n in args.conversations.split(",")]
    if max(levels) > 500 or args.runs > 20 or args.messages > 20 or args.daphnes > 4 or args.web_workers > 16:
        parser.error("bounded: at most 500 conversations, 20 runs, 20 messages and 4 web processes")
    if args.pipeline == "intent" and not args.intent_artifact:
        parser.error("--pipeline intent needs --intent-artifact")
    env = {"CHAT_PIPELINE_PROVIDER": PIPELINES[args.pipeline], "LIVE_TOKEN_DELAY_S": str(args.token_delay),
           "PII_ANONYMIZE": "true" if args.pii == "on" else "false", "CHAT_REPLY_WORKERS": str(args.workers),
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    backend = ("postgresql" if os.environ.get("DATABASE_URL") else "sqlite") + " + "
    backend += "redis" if os.environ.get("REDIS_URL") else "in-memory layer"
    info = {"pipeline": args.pipeline, "backend": backend, "pii": args.pii, "runs": args.runs, "messages": args.messages,
            "think_s": args.think, "daphnes": args.daphnes, "reply_workers": args.workers, "machine": machine(),
            "web_workers": args.web_workers, "shape": args.shape, "spread_s": args.spread if args.shape != "all-at-once" else 0,
            "think_min_s": args.think_min,
            "note": "measured on a shared machine (see load_average): figures are upper bounds on latency, lower bounds on throughput"}
    print(f"load benchmark: {info}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + args.max_seconds
    out = []
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp), ROOT / "var" / "bench" / "live", **env) as running:
        if args.pipeline == "intent":
            activate_intent_model(running, args.intent_artifact)
        if args.pipeline == "served":
            prepared = time.perf_counter()
            _manage_long(running.env, "prepare_demo")
            print(f"  models prepared in {time.perf_counter() - prepared:.0f} s", file=sys.stderr, flush=True)
        server = serve(running, args.web_workers) if args.web_workers else None
        bases = [server[0]] if server else [running.start(f"load-{i}") for i in range(args.daphnes)]
        database = urlparse(running.env["DATABASE_URL"]).path.lstrip("/") if "DATABASE_URL" in running.env else None
        daphne_pids = [] if server else [running.servers[b].pid for b in bases]
        web = {"web_workers": lambda: _children(server[1].pid)} if server else {}
        groups = {**web, **{f"daphne-{i}": (lambda pid=pid: [pid]) for i, pid in enumerate(daphne_pids)},
                  "generator": lambda: [os.getpid()], "redis": lambda: redis_pids(running.env.get("REDIS_URL")),
                  "postgres_backends": lambda: postgres_backend_pids(database)}
        asyncio.run(warm_up(bases * (3 * args.web_workers if server else 1)))  # every worker loads its models
        shapes = ["all-at-once", "paced"] if args.shape == "both" else [args.shape]
        for shape, conversations in [(sh, n) for sh in shapes for n in levels]:
            runs = []
            for r in range(args.runs):
                sampler = Sampler(groups).start()
                remaining = deadline - time.monotonic()
                paced = shape == "paced"
                work = one_run(bases, conversations, args.messages, args.think if paced or args.shape != "both" else 1.0, seed=conversations * 100 + r,
                               reply_timeout=args.reply_timeout, spread=args.spread if paced else 0.0, think_min=args.think_min,
                               texts=QUESTIONS + TEXTS if args.pipeline == "served" else TEXTS)
                customers, failures, wall = asyncio.run(asyncio.wait_for(work, remaining))
                figures = {**summarize(customers, failures, wall), "processes": sampler.stop(), "db": db_check(running, customers)}
                web_cpu = sum(v["cpu_s"] for k, v in figures["processes"].items() if k.startswith(("daphne", "web")))
                figures["web_cpu_ms_per_message"] = round(web_cpu * 1000 / max(1, figures["messages_acknowledged"]), 1)
                runs.append(figures)
                print(f"  {shape} {conversations:>3} conversations, run {r + 1}: {json.dumps(figures)}", file=sys.stderr, flush=True)
            out.append({"shape": shape, **level_figures(conversations, runs)})
        stages = stage_profile(running) if args.pipeline == "served" else None
    print(f"{'conv':>5} {'TTFT p50':>9} {'p95':>8} {'p99':>8} {'full p50':>9} {'p95':>8} {'p99':>8} {'msg/s':>7} {'err':>4} {'db':>4}")
    for level in out:
        print(f"{level['conversations']:>5} {level['ttft_p50']!s:>9} {level['ttft_p95']!s:>8} {level['ttft_p99']!s:>8} "
              f"{level['full_p50']!s:>9} {level['full_p95']!s:>8} {level['full_p99']!s:>8} {level['messages_per_s']!s:>7} "
              f"{level['errors']:>4} {'ok' if level['db_ok'] else 'FAIL':>4}")
    result = {**info, "levels": out, "cpu_by_stage": stages, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


def serve(running: Stack, workers: int) -> tuple[str, subprocess.Popen]:
    """chatbot.serve with ``workers`` daphnes on one port; stopped with the stack."""
    port = free_port()
    log = open(running.log_dir / "serve.log", "w")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([sys.executable, "-m", "chatbot.serve", "--workers", str(workers), "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=running.env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    running.servers[base] = process
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chatbot.serve exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"{base}/demo/", timeout=2) as response:
                if response.status == 200:
                    return base, process
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"chatbot.serve did not answer; see {log.name}")


def stage_profile(running: Stack) -> dict | None:
    """CPU per message by stage on this stack's models and database (bench/live/stages.py), one message at a time."""
    result = subprocess.run([sys.executable, "-m", "bench.live.stages"], cwd=ROOT, env=running.env, capture_output=True,
                            text=True, timeout=600)
    if result.returncode != 0:
        print(f"  stage profile failed: {result.stderr[-1500:]}", file=sys.stderr, flush=True)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


if __name__ == "__main__":
    main()
