"""Drill: the Celery worker running a training job is killed with SIGKILL mid-training.

A private redis-server is the broker (never the shared one); a real `celery worker` process on the
training queue fine-tunes a tiny intent model from a CSV. Two ways to lose the worker:

* ``child``: SIGKILL to the pool process running the task (an OOM kill). The worker's main process sees
  the child die; with acks_late and reject_on_worker_lost the task goes back to the queue at once and
  a new child runs it again.
* ``worker``: SIGKILL to the whole worker (the machine or container dies). Nobody rejects the task; it
  stays unacknowledged in Redis until the visibility timeout expires, then a worker started afterwards
  gets it again. The drill sets the timeout to --visibility seconds (production: 6 h).
* ``overlap``: nothing is killed; two workers run and the visibility timeout (--visibility) is shorter
  than the training, which is what a too-short production timeout would do: Redis hands the task to
  the second worker while the first still trains. Shows whether the run still completes only once.

Checked throughout and at the end: the run finishes exactly once (one new ModelVersion), attempts are
counted, and the active (serving) version never changes. Exit status 1 when any check fails.

    .venv/bin/python -m bench.drills.worker_kill --mode child
    .venv/bin/python -m bench.drills.worker_kill --mode worker --visibility 20
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.drills.services import private_redis
from tests.live.server import ROOT, Stack, stack

TINY = {"epochs": 2, "min_steps": 0, "batch_size": 16, "max_length": 32, "val_fraction": 0.25, "progress_every": 1}
INTENTS, PER_INTENT = 6, 12


def training_csv(path: Path) -> Path:
    intents = json.loads((ROOT / "conversations" / "demo_data" / "intents.json").read_text())[:INTENTS]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for intent in intents:
            for text in intent["examples"][:PER_INTENT]:
                writer.writerow([text, intent["name"]])
    return path


def query(env: dict, sql: str) -> list[tuple]:
    """Read the drill's database directly (fast: no Django start-up per poll)."""
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(Path(env["CHATBOT_VAR_DIR"]) / "db.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def shell(running: Stack, code: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=running.env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]  # after the shell's own banner


def start_worker(running: Stack, name: str, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"worker-{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "chatbot", "worker", "-Q", "training", "--pool", "prefork",
                             "--concurrency", "1", "-n", f"drill-{name}@%h", "-l", "info", "--without-gossip", "--without-mingle"],
                            cwd=ROOT, env=running.env, stdout=log, stderr=subprocess.STDOUT)


def run_row(env: dict, run_id: int) -> dict:
    status, attempts, progress, version_id, error = query(
        env, f"SELECT status, attempts, progress, model_version_id, error FROM training_trainingrun WHERE id = {run_id}")[0]
    progress = json.loads(progress) if isinstance(progress, str) else (progress or {})
    return {"status": status, "attempts": attempts, "step": (progress or {}).get("step", 0), "version_id": version_id, "error": error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["child", "worker", "overlap"], default="child")
    parser.add_argument("--visibility", type=float, default=20.0, help="mode worker: the broker's visibility timeout, seconds")
    parser.add_argument("--kill-at-step", type=int, default=2, help="kill once training reports this optimisation step")
    parser.add_argument("--max-seconds", type=float, default=1500)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    log_dir = ROOT / "var" / "bench" / "drills"
    env = {"DJANGO_SETTINGS_MODULE": "bench.drills.drill_settings", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    if args.mode != "child":  # child: the production timeout (6 h); a rejected task is requeued at once
        env["DRILL_VISIBILITY_TIMEOUT_S"] = str(args.visibility)
    events: list[dict] = []
    started = time.monotonic()

    def note(what: str, **extra: object) -> None:
        events.append({"t_s": round(time.monotonic() - started, 1), "event": what, **extra})
        print(json.dumps(events[-1]), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp, private_redis(Path(tmp)) as redis:
        os.environ["REDIS_URL"] = redis.url
        with stack(Path(tmp), log_dir, **env) as running:
            data = training_csv(Path(tmp) / "intents.csv")
            serving = int(shell(running, "from training.models import ModelVersion\n"
                                         "print(ModelVersion.objects.create(kind='intent', version=1, is_active=True).pk)"))
            parameters = {**TINY, "data_csv": str(data)}
            run_id = int(shell(running, "from django.db import transaction\nfrom training.registry.runs import StartTraining\nwith transaction.atomic():\n"
                                        f"    run = StartTraining(user=None, kind='intent', parameters={parameters!r}).execute()\nprint(run.pk)"))
            note("run queued", run=run_id, serving_version_id=serving)
            workers = [start_worker(running, "a", log_dir)]
            if args.mode == "overlap":
                workers.append(start_worker(running, "b", log_dir))
            killed, active_changed, row = False, [], run_row(running.env, run_id)
            try:
                while row["status"] not in ("succeeded", "failed"):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the run did not finish in {args.max_seconds:.0f} s: {row}")
                    time.sleep(0.5)
                    row = run_row(running.env, run_id)
                    active = [r[0] for r in query(running.env, "SELECT id FROM training_modelversion WHERE is_active")]
                    if active != [serving]:
                        active_changed.append(active)
                    if not killed and args.mode != "overlap" and row["status"] == "running" and row["step"] >= args.kill_at_step:
                        killed = True
                        main_process = psutil.Process(workers[0].pid)
                        children = main_process.children(recursive=True)
                        if args.mode == "child":
                            for child in children:
                                child.send_signal(signal.SIGKILL)
                            note("pool process killed (SIGKILL)", **row, pids=[c.pid for c in children])
                        else:
                            for process in [main_process, *children]:
                                process.send_signal(signal.SIGKILL)
                            workers[0].wait(timeout=30)
                            note("whole worker killed (SIGKILL)", **row)
                            workers.append(start_worker(running, "b", log_dir))
                            note("second worker started")
                    if row["attempts"] >= 2 and not any(e["event"] == "attempt 2 started" for e in events):
                        note("attempt 2 started", **row)
                note("run finished", **row)
                time.sleep(3)  # a duplicate delivery, if any, would now start a third attempt or a second version
            finally:
                for worker in workers:
                    if worker.poll() is None:
                        worker.send_signal(signal.SIGTERM)
                        try:
                            worker.wait(timeout=60)
                        except subprocess.TimeoutExpired:
                            worker.kill()
            row = run_row(running.env, run_id)
            versions = query(running.env, "SELECT id, version, is_active FROM training_modelversion ORDER BY id")
    checks = {
        "succeeded": row["status"] == "succeeded",
        "attempts_counted": row["attempts"] == (1 if args.mode == "overlap" else 2),
        "exactly_one_new_version": len(versions) == 2 and row["version_id"] == versions[-1][0],
        "serving_version_untouched": not active_changed and [v[0] for v in versions if v[2]] == [serving],
    }
    result = {"drill": "worker_kill", "mode": args.mode, "visibility_timeout_s": args.visibility if args.mode != "child" else None,
              "events": events, "run": row, "versions": versions, "checks": checks, "ok": all(checks.values())}
    print(json.dumps(result, default=str))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
