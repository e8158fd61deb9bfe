"""Responder training pairs taken from the database (anonymized text only).

Every prompt carries the passages the served retriever returns for its question (the active index,
the same query, recent customer turns, intent and relevance floor as at serve time), in its order.
The reply is then grounded in those passages (training/ml/responder/claims.py): a sentence that
claims an action the bot cannot take is removed, a sentence no passage supports is removed, and
each kept sentence cites the passage that supports it best as `[n]`. A reply left with nothing is
dropped, and so is one that shares no content word with its question. The sources:
- agent replies written for an intent (not for the intents that ask for a person), asked with two
  of that intent's example questions;
- conversations closed after an agent answered: the customer's message, the turns before it and
  the agent's reply (every stored message went through the PII ingress);
- question / article pairs: an intent's example question answered with the sentences of the passage
  retrieval returned for that intent's article that share most words with the question (dropped
  when retrieval did not return it, or no sentence shares a word with the question);
- unanswerable prompts: a question whose own articles are removed from what retrieval returned,
  answered with the fixed hand-off reply (dropped when nothing else was retrieved, since serving
  hands off before the responder is asked).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from conversations.bot.types import Source, Turn
from conversations.demo import OOS_INTENT
from conversations.models import AgentReply, Conversation, Intent, KnowledgeArticle, Message, TrainingExample
from training.ml.responder.claims import answering_sentences, content_words, ground_reply
from training.ml.responder.data import Pair
from training.ml.responder.errors import ResponderDataError
from training.ml.responder.prompt import HANDOFF_REPLY, ResponderInput, SourcePassage
from training.serving.slots import served_role

QUESTIONS_PER_REPLY = 2
QUESTIONS_PER_ARTICLE = 4
UNANSWERABLE_PER_INTENT = 1
HISTORY_TURNS = 6

Retrieve = Callable[..., list[Source]]  # the pipeline's Retriever.retrieve(*, text, history, intent)


@dataclass
class PairStats:
    """What grounding did to the reference replies (stored on the version as pairs_grounding)."""

    dropped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sentences_claiming_action: int = 0
    sentences_unsupported: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"dropped": dict(self.dropped), "sentences_claiming_action": self.sentences_claiming_action,
                "sentences_unsupported": self.sentences_unsupported}


def active_retrieve() -> Retrieve:
    retriever = served_role("retriever", wait=True)
    if retriever is None:
        raise ResponderDataError(
            "no active knowledge-base index: the responder learns from the passages the served index retrieves, "
            "so build one first (Admin > Knowledge articles > Rebuild the index, or manage.py prepare_demo)")
    return retriever.retrieve


class _Builder:
    def __init__(self, *, seed: int, retrieve: Retrieve | None) -> None:
        self.rng = random.Random(seed)
        self.retrieve: Retrieve = retrieve  # type: ignore[assignment] - set before the first search
        self.stats = PairStats()
        articles = KnowledgeArticle.objects.filter(published=True).prefetch_related("intents").order_by("id")
        self.articles = list(articles)
        self.by_intent: dict[str, set[int]] = defaultdict(set)
        for article in self.articles:
            for intent in article.intents.all():
                self.by_intent[intent.name].add(article.id)
        self.questions: dict[str, list[str]] = defaultdict(list)
        for text, intent in TrainingExample.objects.order_by("id").values_list("text", "intent__name"):
            self.questions[intent].append(text)
        self.human_intents = set(Intent.objects.filter(requests_human=True).values_list("name", flat=True))

    def passages(self, *, question: str, history: Sequence[tuple[str, str]], intent: str | None) -> list[SourcePassage]:
        turns = [Turn(role=role, text=text) for role, text in history]
        sources = self.retrieve(text=question, history=turns, intent=intent)
        return [SourcePassage(article_id=s.article_id, title=s.title, text=s.passage) for s in sources]

    def grounded(self, *, question: str, reply: str, intent: str | None, history: list[tuple[str, str]],
                 source: str, passages: list[SourcePassage] | None = None) -> Pair | None:
        """The pair with its reply cut to the sentences the retrieved passages support, each cited; None if none is."""
        if passages is None:
            passages = self.passages(question=question, history=history, intent=intent)
        if not passages:
            self.stats.dropped[f"{source}: nothing retrieved"] += 1
            return None
        grounded = ground_reply(reply, [f"{p.title}\n{p.text}" for p in passages])
        self.stats.sentences_claiming_action += grounded.dropped_claims
        self.stats.sentences_unsupported += grounded.dropped_unsupported
        if not grounded.kept:
            self.stats.dropped[f"{source}: no supported sentence"] += 1
            return None
        if not content_words(grounded.text) & content_words(question):
            # An intent's reply written for another of its questions ("a free trial" for "a shop abroad").
            self.stats.dropped[f"{source}: shares no word with the question"] += 1
            return None
        cited = tuple(dict.fromkeys(passages[int(n) - 1].article_id for n in re.findall(r"\[(\d+)\]", grounded.text)))
        inp = ResponderInput(question=question, history=history, intent=intent, passages=passages)
        return Pair(input=inp, reply=grounded.text, gold_article_ids=cited, source=source)

    def sample(self, intent: str, k: int) -> list[str]:
        questions = self.questions.get(intent) or []
        return self.rng.sample(questions, min(k, len(questions)))


def responder_pairs_from_db(*, seed: int = 13, retrieve: Retrieve | None = None,
                            stats: PairStats | None = None) -> list[Pair]:
    """The training pairs; ``retrieve`` defaults to the served retriever of the active index."""
    builder = _Builder(seed=seed, retrieve=retrieve)
    if not builder.articles or not builder.questions:
        return []  # nothing to learn from: validate_pairs says so
    builder.retrieve = retrieve or active_retrieve()
    if stats is not None:
        builder.stats = stats
    pairs: list[Pair | None] = []
    for reply in AgentReply.objects.select_related("intent").order_by("id"):
        name = reply.intent.name
        if name in builder.human_intents or name == OOS_INTENT:
            continue  # a person's greeting ("I'm Sam from the support team") is never the bot's to say
        for question in builder.sample(name, QUESTIONS_PER_REPLY):
            pairs.append(builder.grounded(question=question, reply=reply.text, intent=name, history=[],
                                          source="agent_reply"))
    pairs.extend(_conversation_pairs(builder))
    pairs.extend(_knowledge_base_pairs(builder))
    pairs.extend(_unanswerable_pairs(builder))
    return [p for p in pairs if p is not None]


def _conversation_pairs(builder: _Builder) -> list[Pair | None]:
    """Agent answers in closed conversations, each with the customer message it answers and the turns before."""
    pairs: list[Pair | None] = []
    closed = Conversation.objects.filter(status=Conversation.Status.CLOSED, messages__role=Message.Role.AGENT).distinct()
    for conversation in closed.order_by("id"):
        turns = list(conversation.messages.exclude(role=Message.Role.SYSTEM).order_by("created_at", "id")
                     .values_list("role", "text", "intent__name"))
        for i, (role, text, _) in enumerate(turns):
            if role != Message.Role.AGENT or i == 0 or turns[i - 1][0] != Message.Role.CUSTOMER:
                continue
            question, intent = turns[i - 1][1], turns[i - 1][2]
            history = [(r, t) for r, t, _ in turns[max(0, i - 1 - HISTORY_TURNS): i - 1]]
            pairs.append(builder.grounded(question=question, reply=text, intent=intent, history=history,
                                          source="conversation"))
    return pairs


def _knowledge_base_pairs(builder: _Builder) -> list[Pair | None]:
    pairs: list[Pair | None] = []
    for intent, article_ids in sorted(builder.by_intent.items()):
        if intent == OOS_INTENT or intent in builder.human_intents:
            continue
        for question in builder.sample(intent, QUESTIONS_PER_ARTICLE):
            passages = builder.passages(question=question, history=[], intent=intent)
            gold = next((p for p in passages if p.article_id in article_ids), None)
            if gold is None:
                builder.stats.dropped["knowledge_base: article not retrieved"] += 1
                continue
            reply = answering_sentences(question, gold.text)
            if not reply:
                builder.stats.dropped["knowledge_base: no sentence shares a word with the question"] += 1
                continue
            pairs.append(builder.grounded(question=question, reply=reply, intent=intent, history=[],
                                          source="knowledge_base", passages=passages))
    return pairs


def _unanswerable_pairs(builder: _Builder) -> list[Pair | None]:
    """What retrieval returns when the question's own articles are missing, answered with the hand-off reply."""
    pairs: list[Pair | None] = []
    for intent, questions in sorted(builder.questions.items()):
        if intent == OOS_INTENT or intent not in builder.by_intent:
            continue
        for question in builder.sample(intent, UNANSWERABLE_PER_INTENT):
            own = builder.by_intent[intent]
            passages = [p for p in builder.passages(question=question, history=[], intent=intent) if p.article_id not in own]
            if not passages:
                builder.stats.dropped["unanswerable: nothing else retrieved"] += 1
                continue
            inp = ResponderInput(question=question, history=[], intent=intent, passages=passages)
            pairs.append(Pair(input=inp, reply=HANDOFF_REPLY, gold_article_ids=(), source="unanswerable"))
    return pairs
