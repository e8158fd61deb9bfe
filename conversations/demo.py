"""Loading the demo company (Kestrel Bank) into the database. Idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
HUMAN_INTENT = "human_agent"
# Examples under this label teach the classifier what is out of scope (see training.data).
OOS_INTENT = "oos"


@dataclass(frozen=True)
class DemoLoadResult:
    intents: int
    examples: int
    agent_replies: int
    articles: int


def _read(name: str) -> list[dict]:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def demo_out_of_scope() -> list[str]:
    return list(_read("out_of_scope.json"))


@transaction.atomic
def demo_data_load() -> DemoLoadResult:
    created = {"intents": 0, "examples": 0, "agent_replies": 0, "articles": 0}
    intents: dict[str, Intent] = {}
    for item in _read("intents.json"):
        intent, new = Intent.objects.update_or_create(
            name=item["name"], defaults={"description": item["description"], "requests_human": item["name"] == HUMAN_INTENT}
        )
        intents[intent.name] = intent
        created["intents"] += new
        for text in item["examples"]:
            _, new = TrainingExample.objects.get_or_create(intent=intent, text=text, defaults={"source": TrainingExample.Source.SEED})
            created["examples"] += new
        for text in item["agent_replies"]:
            _, new = AgentReply.objects.get_or_create(intent=intent, text=text)
            created["agent_replies"] += new
    oos, new = Intent.objects.update_or_create(
        name=OOS_INTENT, defaults={"description": "Out of scope: messages the bank's assistant does not handle"}
    )
    created["intents"] += new
    for text in demo_out_of_scope():
        _, new = TrainingExample.objects.get_or_create(intent=oos, text=text, defaults={"source": TrainingExample.Source.SEED})
        created["examples"] += new
    for item in _read("articles.json"):
        article, new = KnowledgeArticle.objects.update_or_create(
            slug=item["slug"], defaults={"title": item["title"], "body": item["body"], "url": item["url"], "published": True}
        )
        article.intents.set([intents[name] for name in item["intents"]])
        created["articles"] += new
    return DemoLoadResult(**created)
