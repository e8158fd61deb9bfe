"""Responder training pairs taken from the database (anonymized text only).

Three sources, as the prompt -> reply pairs the responder learns from:
- agent replies written for an intent, asked with that intent's example questions;
- conversations that were closed after an agent answered: the customer's message, the turns before
  it and the agent's reply (every stored message went through the PII ingress);
- question / article pairs: an intent's example question answered from the article for that intent;
- unanswerable prompts: a question shown only passages of other articles, answered with the fixed
  hand-off reply, so the model learns to pass the customer on instead of inventing an answer.

Each prompt carries the passages the reply is grounded in plus distractor passages from other
articles, shuffled, as retrieval would return them; the reply cites its article by number.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

from conversations.demo import OOS_INTENT
from conversations.models import AgentReply, Conversation, KnowledgeArticle, Message, TrainingExample
from training.ml.responder.data import Pair, kb_reply
from training.ml.responder.prompt import HANDOFF_REPLY, ResponderInput, SourcePassage

PASSAGE_CHARS = 700
DISTRACTORS = 2
QUESTIONS_PER_REPLY = 2
QUESTIONS_PER_ARTICLE = 4
UNANSWERABLE_PER_INTENT = 1
HISTORY_TURNS = 6
_CITATION = re.compile(r"\[\d+\]")


def article_passage(article: KnowledgeArticle) -> str:
    """The opening of the article, cut at a sentence end: the part a retrieved passage most often is."""
    body = " ".join(article.body.split())
    if len(body) <= PASSAGE_CHARS:
        return body
    cut = body.rfind(". ", 0, PASSAGE_CHARS)
    return body[: cut + 1] if cut > 0 else body[:PASSAGE_CHARS]


class _Builder:
    def __init__(self, *, seed: int) -> None:
        self.rng = random.Random(seed)
        self.articles = list(KnowledgeArticle.objects.filter(published=True).prefetch_related("intents").order_by("id"))
        self.passages = {a.id: SourcePassage(article_id=a.id, title=a.title, text=article_passage(a)) for a in self.articles}
        self.by_intent: dict[str, list[int]] = defaultdict(list)
        for article in self.articles:
            for intent in article.intents.all():
                self.by_intent[intent.name].append(article.id)
        self.questions: dict[str, list[str]] = defaultdict(list)
        for text, intent in TrainingExample.objects.order_by("id").values_list("text", "intent__name"):
            self.questions[intent].append(text)

    def grounding(self, gold: list[int]) -> tuple[list[SourcePassage], int | None]:
        """Gold passage(s) plus distractors, shuffled; returns them and the 1-based number of the first gold one."""
        others = [i for i in self.passages if i not in gold]
        chosen = gold[:1] + self.rng.sample(others, min(DISTRACTORS, len(others)))
        self.rng.shuffle(chosen)
        number = chosen.index(gold[0]) + 1 if gold else None
        return [self.passages[i] for i in chosen], number

    def pair(self, *, question: str, reply: str, intent: str | None, history: list[tuple[str, str]], source: str,
             cite: bool, gold: list[int] | None = None, answerable: bool = True) -> Pair:
        gold = gold if gold is not None else self.by_intent.get(intent or "", [])
        passages, number = self.grounding(gold)
        if not answerable:
            # Unanswerable: none of the passages may come from an article of this intent.
            wrong = [i for i in self.passages if i not in self.by_intent.get(intent or "", [])]
            passages, number = [self.passages[i] for i in self.rng.sample(wrong, min(DISTRACTORS + 1, len(wrong)))], None
        if cite and number is not None and not _CITATION.search(reply):
            reply = f"{reply.rstrip()} [{number}]"
        inp = ResponderInput(question=question, history=history, intent=intent, passages=passages)
        return Pair(input=inp, reply=reply, gold_article_ids=tuple(gold), source=source)


def responder_pairs_from_db(*, seed: int = 13) -> list[Pair]:
    builder = _Builder(seed=seed)
    pairs: list[Pair] = []
    for reply in AgentReply.objects.select_related("intent").order_by("id"):
        questions = builder.questions.get(reply.intent.name) or []
        for question in builder.rng.sample(questions, min(QUESTIONS_PER_REPLY, len(questions))):
            pairs.append(builder.pair(question=question, reply=reply.text, intent=reply.intent.name, history=[],
                                      source="agent_reply", cite=True))
    pairs.extend(_conversation_pairs(builder))
    pairs.extend(_unanswerable_pairs(builder))
    for article in builder.articles:
        for intent in article.intents.all():
            if intent.name == OOS_INTENT:
                continue
            questions = builder.questions.get(intent.name) or []
            for question in builder.rng.sample(questions, min(QUESTIONS_PER_ARTICLE, len(questions))):
                # kb_reply cites "[1]"; the pair numbers the citation where the article lands among the passages.
                reply = _CITATION.sub("", kb_reply(article.title, article.body)).rstrip()
                pairs.append(builder.pair(question=question, reply=reply,
                                          intent=intent.name, history=[], source="knowledge_base", cite=True,
                                          gold=[article.id]))
    return pairs


def _conversation_pairs(builder: _Builder) -> list[Pair]:
    """Agent answers in closed conversations, each with the customer message it answers and the turns before."""
    pairs = []
    closed = Conversation.objects.filter(status=Conversation.Status.CLOSED, messages__role=Message.Role.AGENT).distinct()
    for conversation in closed.order_by("id"):
        turns = list(conversation.messages.exclude(role=Message.Role.SYSTEM).order_by("created_at", "id")
                     .values_list("role", "text", "intent__name"))
        for i, (role, text, _) in enumerate(turns):
            if role != Message.Role.AGENT or i == 0 or turns[i - 1][0] != Message.Role.CUSTOMER:
                continue
            question, intent = turns[i - 1][1], turns[i - 1][2]
            history = [(r, t) for r, t, _ in turns[max(0, i - 1 - HISTORY_TURNS): i - 1]]
            pairs.append(builder.pair(question=question, reply=text, intent=intent, history=history,
                                      source="conversation", cite=False))
    return pairs


def _unanswerable_pairs(builder: _Builder) -> list[Pair]:
    pairs = []
    for intent, questions in sorted(builder.questions.items()):
        if intent == OOS_INTENT or intent not in builder.by_intent:
            continue
        for question in builder.rng.sample(questions, min(UNANSWERABLE_PER_INTENT, len(questions))):
            pairs.append(builder.pair(question=question, reply=HANDOFF_REPLY, intent=intent, history=[],
                                      source="unanswerable", cite=False, gold=[], answerable=False))
    return pairs
