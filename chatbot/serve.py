"""Every core used: several daphne processes behind one port.

    .venv/bin/python -m chatbot.serve                     # one worker per core (REDIS_URL set), port 8000
    .venv/bin/python -m chatbot.serve --workers 4 --port 8080

The parent binds one listening socket and starts N ``daphne --fd`` children on it; the kernel hands
each new connection to whichever child accepts first. Daphne rather than uvicorn workers under
gunicorn: its SIGTERM hook (conversations/realtime/shutdown.py) lets replies in flight finish and
tells sockets to reconnect, and no new dependency is needed. A child that dies (killed, out of
memory) is started again; its customers reconnect to the others and resend what was not
acknowledged (docs/protocol.md). SIGTERM/SIGINT stop every child gracefully.

Several processes need the Redis channel layer: the embedded in-memory layer lives inside one
process, so a reply or an agent's message published in one worker would never reach a socket held
by another. Without REDIS_URL, more than one worker is refused.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

ASGI_APP = "chatbot.asgi:application"
RESTART_PAUSE_S = 1.0


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def refusal(workers: int, environ: dict[str, str] | os._Environ = os.environ) -> str | None:
    """Why ``workers`` processes cannot run with this environment, or None."""
    if workers < 1:
        return "--workers must be at least 1."
    if workers > 1 and not environ.get("REDIS_URL"):
        return (f"Refusing to start {workers} web workers without REDIS_URL: the embedded in-memory channel layer "
                "cannot cross processes, so replies and agent messages would not reach sockets held by another "
                "worker. Set REDIS_URL, or run one worker (--workers 1).")
    return None


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def worker_env(workers: int, environ: dict[str, str] | os._Environ = os.environ) -> dict[str, str]:
    """With a process per core, each process's math libraries get one thread (unless set): their own
    per-core thread pools would put workers x cores threads on the cores and slow every one of them."""
    env = dict(environ)
    if workers > 1:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env.setdefault(name, "1")
    return env


def _spawn(sock: socket.socket, extra: list[str], env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "daphne", "--fd", str(sock.fileno()), *extra, ASGI_APP]
    return subprocess.Popen(command, pass_fds=(sock.fileno(),), env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="daphne processes (default: one per core with REDIS_URL, else 1)")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("daphne_args", nargs="*", help="passed to each daphne (after --)")
    args = parser.parse_args(argv)
    workers = args.workers if args.workers is not None else (default_workers() if os.environ.get("REDIS_URL") else 1)
    reason = refusal(workers)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    sock = _listen(args.host, args.port)
    env = worker_env(workers)
    children = [_spawn(sock, args.daphne_args, env) for _ in range(workers)]
    print(f"serving {ASGI_APP} on {args.host}:{args.port} with {workers} daphne worker(s): "
          f"pids {[c.pid for c in children]}", file=sys.stderr, flush=True)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        for i, child in enumerate(children):
            if child.poll() is not None and not stopping:
                print(f"worker {child.pid} exited with {child.returncode}; starting another", file=sys.stderr, flush=True)
                time.sleep(RESTART_PAUSE_S)
                children[i] = _spawn(sock, args.daphne_args, env)
        time.sleep(0.2)
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
