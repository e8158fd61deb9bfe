"""Loading the demo company (Kestrel Bank) into the database. Idempotent; all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
HUMAN_INTENT = "human_agent"
# Examples under this label teach the classifier what is out of scope (see training.data).
OOS_INTENT = "oos"
_FIELDS = {
    "intents.json": {"name": str, "description": str, "examples": list, "agent_replies": list},
    "articles.json": {"slug": str, "title": str, "url": str, "intents": list, "body": str},
}


class DemoDataError(ValueError):
    """A demo data file cannot be loaded; the message names the file (and the line or item)."""


@dataclass(frozen=True)
class DemoLoadResult:
    intents: int
    examples: int
    agent_replies: int
    articles: int


def _read(name: str, directory: Path = DEMO_DIR) -> list[Any]:
    path = Path(directory) / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoDataError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DemoDataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DemoDataError(f"{path}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, list) or not data:
        raise DemoDataError(f"{path}: expected a non-empty JSON list")
    problems = []
    for i, item in enumerate(data):
        fields = _FIELDS.get(name)
        if fields is None:
            if not isinstance(item, str) or not item.strip():
                problems.append(f"item {i}: expected a non-empty string")
            continue
        if not isinstance(item, dict):
            problems.append(f"item {i}: expected an object")
            continue
        for key, kind in fields.items():
            value = item.get(key)
            if not isinstance(value, kind) or not value or (kind is list and not all(isinstance(v, str) and v.strip() for v in value)):
                problems.append(f"item {i} ({item.get('name') or item.get('slug') or '?'}): '{key}' must be a non-empty "
                                f"{'list of strings' if kind is list else 'string'}")
    if problems:
        raise DemoDataError(f"{path}: " + "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return data


def demo_out_of_scope(directory: Path = DEMO_DIR) -> list[str]:
    return list(_read("out_of_scope.json", directory))


def demo_data_load(*, directory: Path = DEMO_DIR) -> DemoLoadResult:
    """Load (or update) the demo intents, examples, agent replies and articles; every file is checked first."""
    intent_items, oos_texts = _read("intents.json", directory), demo_out_of_scope(directory)
    article_items = _read("articles.json", directory)
    names = {item["name"] for item in intent_items}
    unknown = [f"{a['slug']} -> {n}" for a in article_items for n in a["intents"] if n not in names]
    if unknown:
        raise DemoDataError(f"{Path(directory) / 'articles.json'}: unknown intent(s) {', '.join(unknown)}")
    return _store(intent_items, oos_texts, article_items)


@transaction.atomic
def _store(intent_items: list[dict], oos_texts: list[str], article_items: list[dict]) -> DemoLoadResult:
    created = {"intents": 0, "examples": 0, "agent_replies": 0, "articles": 0}
    intents: dict[str, Intent] = {}
    for item in intent_items:
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
    for text in oos_texts:
        _, new = TrainingExample.objects.get_or_create(intent=oos, text=text, defaults={"source": TrainingExample.Source.SEED})
        created["examples"] += new
    for item in article_items:
        article, new = KnowledgeArticle.objects.update_or_create(
            slug=item["slug"], defaults={"title": item["title"], "body": item["body"], "url": item["url"], "published": True}
        )
        article.intents.set([intents[name] for name in item["intents"]])
        created["articles"] += new
    return DemoLoadResult(**created)
