"""Run evaluation items through the served path, as a customer's messages would go, and keep nothing.

Each item gets a fresh conversation inside a transaction that is rolled back: its earlier customer
messages (``history``) are stored through the privacy ingress, then the question goes through
``customer_message_receive`` (anonymized, classified, retrieved, answered or handed off, the reply
scrubbed as it streams) with the pipeline of the chosen tier plugged in as CHAT_PIPELINE_PROVIDER.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.test.utils import override_settings

from conversations.bot.pipeline import Decision, Pipeline, Source, Turn
from conversations.models import Conversation, Message
from conversations.privacy import anonymize_text
from conversations.services.conversations import conversation_create
from conversations.services.messages import customer_message_receive
from training.ml.answers.text import cited_numbers
from training.ml.evaluation.dataset import EvalItem
from training.ml.evaluation.report import CitedSource, Outcome

PROVIDER = "training.evaluation.served.recording_pipeline"


class RecordingPipeline:
    """The served pipeline, remembering the passages the responder was given for the last message."""

    def __init__(self, inner: Pipeline) -> None:
        self.inner = inner
        self.decision: Decision | None = None
        self.retrieved: list[Source] = []

    def decide(self, *, text: str, history: list[Turn], conversation: object | None = None) -> Decision:
        self.decision, self.retrieved = None, []
        # Without the conversation the bot-action step stays out: evaluations measure the answer tiers,
        # not calls to the systems that actions reach.
        decision = self.inner.decide(text=text, history=history)
        self.decision, self.retrieved = decision, list(decision.sources)
        return decision


_recorder: RecordingPipeline | None = None


def recording_pipeline() -> RecordingPipeline:
    """CHAT_PIPELINE_PROVIDER while an evaluation runs."""
    if _recorder is None:
        raise RuntimeError("no evaluation is running")
    return _recorder


@contextmanager
def serving(pipeline: Pipeline) -> Iterator[RecordingPipeline]:
    global _recorder
    _recorder = RecordingPipeline(pipeline)
    try:
        with override_settings(CHAT_PIPELINE_PROVIDER=PROVIDER):
            yield _recorder
    finally:
        _recorder = None


def outcome_of(recorder: RecordingPipeline, reply: Message | None, status: str, ttft: float | None = None,
               total: float = 0.0) -> Outcome:
    """What the served path did with the last message: the stored reply, its sources and the pipeline's verdict."""
    decision = recorder.decision
    text = reply.text if reply is not None else ""
    handed_off = status == Conversation.Status.WAITING_FOR_AGENT or reply is None or reply.role != Message.Role.BOT
    sources = [CitedSource(number=n, title=s.title, passage=s.passage, score=s.score, article_id=s.article_id)
               for n, s in enumerate(recorder.retrieved, 1)]
    classification = decision.classification if decision is not None else None
    return Outcome(
        reply=text, handed_off=handed_off, handoff_reason=(reply.handoff_reason or "") if reply is not None else "",
        tier=(reply.answer_tier or "") if reply is not None else "", sources=sources,
        cited=[n for n in cited_numbers(text) if 1 <= n <= len(sources)] if not handed_off else [],
        intent=classification.intent if classification else None,
        confidence=classification.confidence if classification else None,
        ttft_ms=ttft, total_ms=total,
    )


def item_run(item: EvalItem, recorder: RecordingPipeline) -> Outcome:
    """One item through the served path; every row it wrote is rolled back."""
    first: list[float] = []
    with transaction.atomic():
        conversation = conversation_create()
        for earlier in item.history:
            Message.objects.create(conversation=conversation, role=Message.Role.CUSTOMER,
                                   text=anonymize_text(earlier, conversation=conversation))
        started = time.perf_counter()

        def on_token(_: str) -> None:
            if not first:
                first.append(time.perf_counter())

        exchange = customer_message_receive(conversation=conversation, text=item.question, on_token=on_token)
        total = (time.perf_counter() - started) * 1000
        ttft = (first[0] - started) * 1000 if first else None
        outcome = outcome_of(recorder, exchange.reply, exchange.status, ttft, total)
        transaction.set_rollback(True)
    return outcome


# Served processes warm up as they start (chatbot/warmup.py); one unscored message does the same here, so the
# first item's time to first token does not include loading the PII engine and the models.
WARM_UP = EvalItem(id="warm-up", question="How long does a new card take to arrive?", history=(), kind="answer",
                   article=None, facts=())


def items_run(items: list[EvalItem], pipeline: Pipeline,
              progress: Callable[[int, EvalItem, Outcome], Any] | None = None) -> list[Outcome]:
    outcomes = []
    with serving(pipeline) as recorder:
        item_run(WARM_UP, recorder)
        for number, item in enumerate(items, 1):
            outcome = item_run(item, recorder)
            outcomes.append(outcome)
            if progress is not None:
                progress(number, item, outcome)
    return outcomes
