"""CPU per customer message by stage, on the served path: run inside a prepared stack (bench/live/load.py
calls it with the stack's environment, after the load levels, so the models and database are the
ones just measured).

Each demo question is sent through ``customer_message_receive`` (store, anonymize, classify,
retrieve, answer, scrub, store the reply) in a conversation of its own, one at a time; the
pipeline's parts and the PII steps are wrapped to add up the process's CPU time while they run
(process time, not thread time: torch computes in threads of its own). "store and other" is the rest of the
message's CPU: database writes and reads, events, the service's own code. Prints one JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

STAGES = ("message_pii", "intent", "retrieval", "answer", "reply_pii", "store_and_other")


class _Clock:
    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.depth = 0

    def timed(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[stage] += time.process_time() - started
        return wrapper

    def timed_iter(self, stage: str, chunks: Iterator[Any]) -> Iterator[Any]:
        while True:
            started = time.process_time()
            try:
                chunk = next(chunks)
            except StopIteration:
                self.spent[stage] += time.process_time() - started
                return
            self.spent[stage] += time.process_time() - started
            yield chunk


class _Part:
    def __init__(self, part: Any, **methods: Callable[..., Any]) -> None:
        self._part, self._methods = part, methods

    def __getattr__(self, name: str) -> Any:
        return self._methods[name] if name in self._methods else getattr(self._part, name)


def main(repeats: int = 3) -> None:
    import django

    django.setup()
    from bench.live.run import QUESTIONS
    from conversations.bot import pipeline as pipeline_module
    from conversations.bot.scrubber import ReplyScrubber
    from conversations.models import Conversation
    from conversations.services import messages

    clock = _Clock()
    real_load = pipeline_module.pipeline_load

    def load() -> Any:
        pipe = real_load()
        responder = pipe.responder
        generate = (lambda **kw: clock.timed_iter("answer", iter(responder.generate(**kw)))) if responder is not None else None
        return dataclasses.replace(
            pipe,
            classifier=_Part(pipe.classifier, classify=clock.timed("intent", pipe.classifier.classify)) if pipe.classifier else None,
            retriever=_Part(pipe.retriever, retrieve=clock.timed("retrieval", pipe.retriever.retrieve)) if pipe.retriever else None,
            responder=_Part(responder, generate=generate) if responder is not None else None,
        )

    messages.pipeline_load = load
    real_anonymize = messages.anonymize_text
    messages.anonymize_text = lambda text, **kw: clock.timed("message_pii" if kw.get("source", "conversation") == "conversation" else "reply_pii_inner",
                                                              real_anonymize)(text, **kw)
    ReplyScrubber.feed = clock.timed("reply_pii", ReplyScrubber.feed)
    ReplyScrubber.finish = clock.timed("reply_pii", ReplyScrubber.finish)
    per_message: list[dict[str, float]] = []
    for n in range(repeats + 1):
        for text in QUESTIONS:
            clock.spent.clear()
            conversation = Conversation.objects.create(channel="widget")
            started = time.process_time()
            messages.customer_message_receive(conversation=conversation, text=text, client_message_id="stage-1")
            total = time.process_time() - started
            if n == 0:
                continue  # warm-up pass: caches, first model calls
            row = {stage: clock.spent.get(stage, 0.0) * 1000 for stage in STAGES[:-1]}
            row["store_and_other"] = total * 1000 - sum(row.values())
            row["total"] = total * 1000
            per_message.append(row)
    result = {stage: round(statistics.median(r[stage] for r in per_message), 2) for stage in (*STAGES, "total")}
    print(json.dumps({"messages": len(per_message), "cpu_ms_per_message_p50_by_stage": result}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
