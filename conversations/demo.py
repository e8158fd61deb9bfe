"""Loading the demo company (Kestrel Bank) into the database. Idempotent; all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from conversations import services
from conversations.bot.pipeline import handoff_text
from conversations.models import AgentReply, Conversation, HandoffReason, Intent, KnowledgeArticle, Message, TrainingExample
from conversations.privacy import anonymize_text

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
        if name == PAST_FILE:
            break  # checked by _past_items
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


# --- past conversations: the first start has something to show (dashboard, queues, reports, relabelling) ----

PAST_FILE = "past_conversations.json"
PAST_KEY_PREFIX = "demo-past:"  # the first customer message's client id marks a conversation as loaded
_TURN_ROLES = {"customer", "bot", "handoff", "agent"}


@dataclass(frozen=True)
class PastLoadResult:
    loaded: int
    skipped: int


def _past_items(directory: Path) -> list[dict]:
    path = Path(directory) / PAST_FILE
    items = _read(PAST_FILE, directory)
    problems = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("turns"), list) or not item["turns"]:
            problems.append(f"item {i}: needs 'key' and a non-empty list of 'turns'")
            continue
        if item["turns"][0].get("role") != "customer" or any(t.get("role") not in _TURN_ROLES for t in item["turns"]):
            problems.append(f"item {i} ({item['key']}): turns start with the customer and are customer, bot, handoff or agent")
        if item.get("status") not in ("closed", "waiting_for_agent", "with_agent"):
            problems.append(f"item {i} ({item['key']}): status is closed, waiting_for_agent or with_agent")
    if problems:
        raise DemoDataError(f"{path}: " + "; ".join(problems[:5]))
    return items


def demo_conversations_load(*, directory: Path = DEMO_DIR, now: dt.datetime | None = None) -> PastLoadResult:
    """Load the demo's past conversations (written for Kestrel Bank), dated over the two weeks before ``now``.

    Every text goes through the privacy path (anonymized, originals in the vault) and the agent's steps
    through the services (join, reply, close, rate, tag, note). Idempotent: a conversation already loaded
    (its key on the first customer message) is skipped. Needs the demo intents, articles and logins.
    """
    items = _past_items(directory)
    now = now or timezone.now()
    articles = {a.slug: a for a in KnowledgeArticle.objects.filter(slug__in={s for i in items for t in i["turns"] for s in t.get("articles", [])})}
    intents = {i.name: i for i in Intent.objects.all()}
    agents = {u.get_username(): u for u in get_user_model().objects.filter(username__in={i.get("agent", "agent") for i in items})}
    loaded = skipped = 0
    for item in items:
        if Message.objects.filter(client_message_id=PAST_KEY_PREFIX + item["key"]).exists():
            skipped += 1
            continue
        agent = agents.get(item.get("agent", "agent"))
        if agent is None:
            raise DemoDataError(f"{PAST_FILE} ({item['key']}): no login named {item.get('agent', 'agent')!r}; run create_demo_users first")
        with transaction.atomic():
            _past_conversation(item, agent=agent, articles=articles, intents=intents, now=now)
        loaded += 1
    return PastLoadResult(loaded=loaded, skipped=skipped)


def _past_conversation(item: dict, *, agent: Any, articles: dict, intents: dict, now: dt.datetime) -> None:
    hour, minute = (int(x) for x in item.get("at", "10:00").split(":"))
    start = (now - dt.timedelta(days=int(item["days_ago"]))).replace(hour=hour, minute=minute, second=0, microsecond=0)
    start = min(start, now - dt.timedelta(minutes=30))  # today's conversations started earlier today
    conversation = services.conversation_create()
    stamps: list[tuple[int, dt.datetime]] = []
    clock, asked, first = start, None, True
    for turn in item["turns"]:
        role = turn["role"]
        if role == "customer":
            asked = Message.objects.create(
                conversation=conversation, role=Message.Role.CUSTOMER, text=anonymize_text(turn["text"], conversation=conversation),
                intent=intents.get(turn.get("intent") or ""), confidence=turn.get("confidence"),
                client_message_id=PAST_KEY_PREFIX + item["key"] if first else None)
            first, new = False, [asked]
        elif role == "bot":
            sources = [{"id": articles[s].pk, "title": articles[s].title, "url": articles[s].url, "score": 0.82, "n": n}
                       for n, s in enumerate(turn.get("articles", []), start=1) if s in articles]
            new = [Message.objects.create(conversation=conversation, role=Message.Role.BOT, reply_to=asked, sources=sources,
                                          text=anonymize_text(turn["text"], conversation=conversation, source="bot"),
                                          intent=asked.intent if asked else None, confidence=asked.confidence if asked else None,
                                          answer_tier="extractive")]
        elif role == "handoff":
            reason = HandoffReason(turn["reason"])
            Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.WAITING_FOR_AGENT, escalated_at=clock,
                                                                   handoff_reason=reason)
            new = [Message.objects.create(conversation=conversation, role=Message.Role.SYSTEM, text=handoff_text(reason),
                                          reply_to=asked, handoff_reason=reason, intent=asked.intent if asked else None,
                                          confidence=asked.confidence if asked else None)]
        else:
            before = set(conversation.messages.values_list("id", flat=True))
            clock += dt.timedelta(minutes=3)  # an agent takes a little longer than the bot
            services.agent_message_post(conversation=conversation, agent=agent, text=turn["text"])
            new = list(conversation.messages.exclude(id__in=before).order_by("id"))
        for message in new:
            clock += dt.timedelta(seconds=40)
            stamps.append((message.pk, clock))
    for pk, when in stamps:
        Message.objects.filter(pk=pk).update(created_at=when)
    for name in item.get("tags", []):
        services.tag_add(conversation=conversation, name=name)
    if item.get("note"):
        note = services.note_add(conversation=conversation, author=agent, text=item["note"])
        type(note).objects.filter(pk=note.pk).update(created_at=clock)
    if item["status"] == "closed":
        services.conversation_close(conversation=conversation)
        clock += dt.timedelta(minutes=1)
        Conversation.objects.filter(pk=conversation.pk).update(closed_at=clock)
        if item.get("rating"):
            services.conversation_rate(conversation=conversation, rating=item["rating"], comment=item.get("comment") or None)
            Conversation.objects.filter(pk=conversation.pk).update(rated_at=clock + dt.timedelta(minutes=1))
    Conversation.objects.filter(pk=conversation.pk).update(created_at=start, updated_at=clock)
