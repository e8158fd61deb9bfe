"""Resident memory and CPU time of the processes under load, sampled from a thread of the generator.

Groups: each daphne (by pid), the generator itself, the Redis server (by its port) and the
PostgreSQL backends serving the benchmark's database (by the database name in their process title).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import psutil

MB = 1024 * 1024


def redis_pids(url: str | None) -> list[int]:
    if not url:
        return []
    port = urlparse(url).port or 6379
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "redis-server" and any(f":{port}" in part or part == str(port) for part in cmdline):
            found.append(process.pid)
    return found


def postgres_backend_pids(database: str | None) -> list[int]:
    """Backends whose title is 'postgres: <user> <database> <client> ...'."""
    if not database:
        return []
    found = []
    for process in psutil.process_iter(["cmdline"]):
        title = " ".join(process.info["cmdline"] or [])
        if title.startswith("postgres: ") and f" {database} " in f"{title} ":
            found.append(process.pid)
    return found


@dataclass
class Group:
    peak_rss_mb: float = 0.0
    processes_max: int = 0
    cpu_start: dict[int, float] = field(default_factory=dict)
    cpu_last: dict[int, float] = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        return sum(last - self.cpu_start.get(pid, 0.0) for pid, last in self.cpu_last.items())


class Sampler:
    """Samples every ``interval`` seconds between start() and stop(); stop() returns per-group figures."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]], interval: float = 0.5) -> None:
        self.groups, self.interval = groups, interval
        self.figures = {name: Group() for name in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="procstats", daemon=True)

    def _sample(self, first: bool = False) -> None:
        for name, pids_of in self.groups.items():
            group, rss = self.figures[name], 0
            pids = pids_of()
            for pid in pids:
                try:
                    process = psutil.Process(pid)
                    with process.oneshot():
                        rss += process.memory_info().rss
                        times = process.cpu_times()
                except psutil.Error:
                    continue
                cpu = times.user + times.system
                if first:
                    group.cpu_start[pid] = cpu
                group.cpu_last[pid] = cpu
            group.peak_rss_mb = max(group.peak_rss_mb, rss / MB)
            group.processes_max = max(group.processes_max, len(pids))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> Sampler:
        self.started = time.perf_counter()
        psutil.cpu_percent()  # primes the machine-wide figure
        self._sample(first=True)
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        self._sample()
        wall = time.perf_counter() - self.started
        out = {name: {"peak_rss_mb": round(g.peak_rss_mb, 1), "cpu_s": round(g.cpu_s, 2),
                      "cpu_share_of_one_core": round(g.cpu_s / wall, 2) if wall else None, "processes": g.processes_max}
               for name, g in self.figures.items()}
        out["machine"] = {"cpu_percent_all_cores": psutil.cpu_percent(), "load_average": [round(x, 2) for x in os.getloadavg()]}
        return out
