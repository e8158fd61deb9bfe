"""Conversation tests over the served path: each story is one conversation, rolled back afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from conversations.models import Message
from conversations.services.conversations import conversation_create
from conversations.services.messages import customer_message_receive
from training.evaluation.served import RecordingPipeline, outcome_of, serving
from training.ml.evaluation.stories import Observed, Story, turn_diff


@dataclass(frozen=True)
class TurnResult:
    story: str
    source: str
    line: int
    user: str
    observed: Observed
    diffs: list[tuple[str, Any, Any]]


def _story_run(story: Story, recorder: RecordingPipeline) -> list[TurnResult]:
    results = []
    with transaction.atomic():
        conversation = conversation_create()
        for turn in story.turns:
            exchange = customer_message_receive(conversation=conversation, text=turn.user)
            outcome = outcome_of(recorder, exchange.reply, exchange.status)
            titles = tuple(s.title for s in outcome.sources if s.number in outcome.cited)
            stored = tuple(Message.objects.filter(conversation=conversation).values_list("text", flat=True))
            seen = Observed(reply=outcome.reply, handed_off=outcome.handed_off, reason=outcome.handoff_reason,
                            intent=outcome.intent, tier=outcome.tier, cited_titles=titles, stored_texts=stored)
            results.append(TurnResult(story.name, story.source, turn.line, turn.user, seen, turn_diff(turn.expect, seen)))
        transaction.set_rollback(True)
    return results


def stories_run(stories: list[Story], pipeline: Any) -> list[TurnResult]:
    with serving(pipeline) as recorder:
        return [result for story in stories for result in _story_run(story, recorder)]


def stories_summary(results: list[TurnResult]) -> dict[str, Any]:
    failed = [r for r in results if r.diffs]
    return {
        "stories": len({(r.source, r.story) for r in results}), "turns": len(results), "failed": len(failed),
        "failures": [{"story": r.story, "where": f"{r.source}:{r.line}", "user": r.user,
                      "diffs": [{"expected": e, "key": k, "observed": o} for k, e, o in r.diffs]} for r in failed],
    }
