"""Micro-batching: requests that wait at the same time share one model call; a lone request waits for nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class MicroBatcher(Generic[In, Out]):
    def __init__(self, fn: Callable[[Sequence[In]], Sequence[Out]], *, max_batch: int = 32) -> None:
        self._fn, self._max_batch = fn, max_batch
        self._pending: list[tuple[In, Future[Out]]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.batches_run = 0

    def __call__(self, item: In) -> Out:
        future: Future[Out] = Future()
        with self._cond:
            self._pending.append((item, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="micro-batcher", daemon=True)
                self._thread.start()
            self._cond.notify()
        return future.result()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                results = self._fn([item for item, _ in batch])
            except BaseException as exc:  # every waiting caller gets the error; the loop survives
                for _, future in batch:
                    future.set_exception(exc)
                continue
            self.batches_run += 1
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)
