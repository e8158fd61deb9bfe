"""Live-chat latency over real sockets: time to first token and full-reply time, 1/10/50 customers at once.

Starts its own daphne on 127.0.0.1 against a fresh database (see tests/live/server.py): SQLite and
the in-process layer by default, PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set. Each
customer opens a conversation (REST), connects its socket, and when all are connected every one
sends a message at once; the clock runs from sending to the first token frame and to reply_end.
Prints a table and, last, one JSON line.

    .venv/bin/python -m bench.live.run                          # fresh-install reply: the hand-off message
    .venv/bin/python -m bench.live.run --pipeline streaming     # deterministic 6-token test pipeline
    .venv/bin/python -m bench.live.run --pipeline served --tier extractive   # the real models (prepare_demo)
    .venv/bin/python -m bench.live.run --pipeline served --tier generative   # + a responder fine-tuned here

``served`` prepares the demo in the bench's own database first (``manage.py prepare_demo``: demo data,
index, intent model); ``--tier generative`` also fine-tunes a responder (``--responder-steps``, through
the registry) and marks it as serving answers, standing for the answer gate's decision. Customers ask
demo questions in turn; ``answered`` counts the replies that were bot answers (not hand-offs).
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench.live.run --pipeline streaming
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.live.wsclient import WebSocket
from tests.live.server import ROOT, stack

PIPELINES = {
    "handoff": "training.serving.pipeline.pipeline_components",  # a fresh install: no model, every reply is the hand-off notice
    "streaming": "tests.live.pipelines.streaming_pipeline",  # 6 tokens, LIVE_TOKEN_DELAY_S before each
    "served": "training.serving.pipeline.pipeline_components",  # the real models that prepare_demo trains
}
# Demo questions (customers ask them in turn), worded as the demo's examples are.
QUESTIONS = ["When will my new card arrive?", "How do I activate my card?", "Do you charge for bank transfers?",
             "How do I change my PIN?", "How do I close my Kestrel account?", "What is the interest rate on savings?",
             "How do I set up a direct debit?", "Why was my card declined?", "How do I send money abroad?",
             "I lost my card, what should I do?"]
_GENERATIVE = """
from training.models import ModelVersion
from training.registry import versions
from training.registry.runs import StartTraining, run_execute
run = StartTraining(user=None, kind="responder", parameters={{"max_steps": {steps}, "evaluation_pairs": 1}}).execute(enqueue=False)
version = run_execute(run_id=run.pk)
assert version is not None, "the responder run failed"
versions.version_activate(version=version, user=None)
# Stands for the answer gate's dev-split decision: the generative tier answers.
ModelVersion.objects.filter(pk=version.pk).update(metrics={{**version.metrics, "serves_answers": True}})
"""


@dataclass
class Level:
    customers: int
    runs: int
    ttft_ms_median: float
    full_ms_median: float
    ttft_ms_p95: float
    full_ms_p95: float
    tokens_per_reply: float
    errors: int
    answered: int = 0  # replies that were bot answers, not hand-off notices


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _create_conversation(base: str) -> dict:
    request = urllib.request.Request(f"{base}/api/v1/conversations/", data=b'{"channel": "widget"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def _customer(base: str, conversation: dict, start: asyncio.Event, text: str) -> tuple[float, float, int, str]:
    ws = await WebSocket.connect(f"{base.replace('http', 'ws', 1)}/ws/chat/{conversation['id']}/", origin=base)
    try:
        await ws.send_json({"type": "auth", "token": conversation["access_token"]})
        assert (await ws.recv_json())["type"] == "history"
        await start.wait()
        sent = time.perf_counter()
        await ws.send_json({"type": "message", "text": text, "client_message_id": "bench-1"})
        first, tokens = None, 0
        while True:
            frame = await ws.recv_json()
            if frame["type"] == "token":
                tokens += 1
                first = first or time.perf_counter()
            elif frame["type"] == "reply_end":
                done = time.perf_counter()
                return ((first or done) - sent) * 1000, (done - sent) * 1000, tokens, frame.get("role", "")
            elif frame["type"] == "error":
                raise RuntimeError(frame)
    finally:
        await ws.close()


async def _one_run(base: str, customers: int, texts: list[str]) -> list[tuple[float, float, int, str] | BaseException]:
    loop = asyncio.get_running_loop()
    conversations = [await loop.run_in_executor(None, _create_conversation, base) for _ in range(customers)]
    start = asyncio.Event()
    tasks = [asyncio.ensure_future(_customer(base, c, start, texts[n % len(texts)])) for n, c in enumerate(conversations)]
    await asyncio.sleep(0.5 + customers * 0.02)  # every socket connected and past its history frame
    start.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


async def measure(base: str, levels: list[int], runs: int, texts: list[str]) -> list[Level]:
    for n in range(max(1, len(texts))):  # warm-up: the pipeline, the PII engine, each question's articles once
        await _one_run(base, 1, texts[n:] + texts[:n])
    results = []
    for customers in levels:
        run_ttft, run_full, all_ttft, all_full, tokens, errors, answered = [], [], [], [], [], 0, 0
        for _ in range(runs):
            outcomes = await _one_run(base, customers, texts)
            good = [o for o in outcomes if not isinstance(o, BaseException)]
            errors += len(outcomes) - len(good)
            if good:
                run_ttft.append(statistics.median(o[0] for o in good))
                run_full.append(statistics.median(o[1] for o in good))
                all_ttft += [o[0] for o in good]
                all_full += [o[1] for o in good]
                tokens += [o[2] for o in good]
                answered += sum(o[3] == "bot" for o in good)
        results.append(Level(customers, runs, round(statistics.median(run_ttft), 1), round(statistics.median(run_full), 1),
                             round(_percentile(all_ttft, 0.95), 1), round(_percentile(all_full, 0.95), 1),
                             round(statistics.mean(tokens), 1), errors, answered))
        print(f"  {customers:>3} customers: {results[-1]}", file=sys.stderr, flush=True)
    return results


def _manage_long(env: dict[str, str], *args: str) -> None:
    """A management command that trains models: minutes on a busy machine (Stack.manage allows 300 s)."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=3600, check=False)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", choices=sorted(PIPELINES), default="handoff")
    parser.add_argument("--customers", default="1,10,50", help="comma-separated concurrency levels (at most 100)")
    parser.add_argument("--runs", type=int, default=5, help="repeated runs per level; the figure is the median of their medians")
    parser.add_argument("--token-delay", type=float, default=0.02, help="seconds before each token of the streaming pipeline")
    parser.add_argument("--pii", choices=["on", "off"], default="on", help="PII anonymization of every message (the default is on)")
    parser.add_argument("--workers", type=int, default=16, help="CHAT_REPLY_WORKERS: reply threads in the web process")
    parser.add_argument("--max-seconds", type=float, default=600, help="give up after this long")
    parser.add_argument("--tier", choices=["extractive", "generative"], default="extractive",
                        help="served pipeline: the answer tier (generative fine-tunes a responder first)")
    parser.add_argument("--responder-steps", type=int, default=20, help="served generative: optimiser steps of its responder")
    parser.add_argument("--out", default="", help="also write the JSON result to this file")
    args = parser.parse_args()
    levels = [int(n) for n in args.customers.split(",")]
    if max(levels) > 100 or args.runs > 20:
        parser.error("bounded: at most 100 customers and 20 runs")
    env = {"CHAT_PIPELINE_PROVIDER": PIPELINES[args.pipeline], "LIVE_TOKEN_DELAY_S": str(args.token_delay),
           "PII_ANONYMIZE": "true" if args.pii == "on" else "false", "CHAT_REPLY_WORKERS": str(args.workers)}
    backend = ("postgresql" if os.environ.get("DATABASE_URL") else "sqlite") + " + " + ("redis" if os.environ.get("REDIS_URL") else "in-memory layer")
    served = args.pipeline == "served"
    info = {"pipeline": args.pipeline, "tier": args.tier if served else None,
            "responder_steps": args.responder_steps if served and args.tier == "generative" else None, "backend": backend, "pii": args.pii, "runs": args.runs, "reply_workers": args.workers,
            "machine": machine(),
            "token_delay_s": args.token_delay if args.pipeline == "streaming" else None}
    print(f"live-chat benchmark: {info}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp), ROOT / "var" / "bench" / "live", **env) as running:
        if served:
            prepared = time.perf_counter()
            _manage_long(running.env, "prepare_demo")
            if args.tier == "generative":
                _manage_long(running.env, "shell", "-c", _GENERATIVE.format(steps=args.responder_steps))
            print(f"  models prepared in {time.perf_counter() - prepared:.0f} s", file=sys.stderr, flush=True)
        base = running.start("bench")
        texts = QUESTIONS if served else ["When will my new card arrive?"]
        levels_out = asyncio.run(asyncio.wait_for(measure(base, levels, args.runs, texts), args.max_seconds))
    print(f"{'customers':>9} {'TTFT median':>12} {'full median':>12} {'TTFT p95':>9} {'full p95':>9} {'tokens':>7} {'errors':>7}")
    for level in levels_out:
        print(f"{level.customers:>9} {level.ttft_ms_median:>10.1f}ms {level.full_ms_median:>10.1f}ms "
              f"{level.ttft_ms_p95:>7.1f}ms {level.full_ms_p95:>7.1f}ms {level.tokens_per_reply:>7.1f} {level.errors:>7}")
    result = {**info, "levels": [asdict(level) for level in levels_out]}
    print(json.dumps(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
