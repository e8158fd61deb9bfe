"""The single ingress point for text that will be stored, logged, indexed or trained on.

Customer and agent messages, the bot's own replies, CSV imports and training examples all
pass through `anonymize_text` before they are written. Originals go to the encrypted vault;
placeholders (`<EMAIL_1>`) stay consistent within a conversation. In a conversation the text
is read in its dialogue (docs/privacy.md): a customer's reply with what the previous agent or
bot turn asked for, every value the conversation already holds (any casing, its parts) with the
placeholder it has, an agent's own name in their own messages kept, and the organisation's
public details (`organisation_allow_list`) kept.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max

from conversations import vault
from conversations.errors import InvalidMessage
from conversations.models import Conversation, KnowledgeArticle, Message
from conversations.pii import DialogueContext, allow_key, expected_kinds
from conversations.pii.models import PiiError
from conversations.pii_engine import anonymizer, engine_in_use

ORGANISATION_TYPES = frozenset({"PHONE", "EMAIL", "URL", "ADDRESS"})


def anonymize_text(text: str, *, conversation: Conversation | None = None, source: str = "conversation",
                   author: AbstractBaseUser | None = None) -> str:
    """Replace personal data with typed placeholders and keep the originals in the vault.

    ``source`` "bot" marks the bot's reply; ``author`` the agent who wrote an agent message (their
    own names stay); otherwise a conversation's text is the customer's, read as the answer to the
    conversation's last agent or bot turn."""
    if not settings.PII_ANONYMIZE:
        return text
    context = _context(conversation, source=source, author=author)
    if conversation is None:
        return _anonymize(text, conversation=None, source=source, context=context)
    # One message of a conversation at a time, across processes, so placeholder numbers never collide.
    with transaction.atomic():
        list(Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk", flat=True))
        return _anonymize(text, conversation=conversation, source=source, context=context)


def _context(conversation: Conversation | None, *, source: str, author: AbstractBaseUser | None) -> DialogueContext:
    expects: frozenset[str] = frozenset()
    if conversation is not None and source == "conversation" and author is None:
        last = conversation.messages.exclude(role=Message.Role.SYSTEM).order_by("-id").values_list("role", "text").first()
        if last is not None and last[0] in (Message.Role.AGENT, Message.Role.BOT):
            expects = expected_kinds(last[1])
    keep = frozenset()
    if author is not None:
        names = [getattr(author, "first_name", ""), getattr(author, "last_name", ""), author.get_username()]
        keep = frozenset(w.casefold() for name in names for w in (name or "").split())
    return DialogueContext(expects=expects, keep_names=keep, allow=organisation_allow_list())


def _anonymize(text: str, *, conversation: Conversation | None, source: str, context: DialogueContext) -> str:
    mapping, used = vault.conversation_placeholders(conversation) if conversation is not None else ({}, set())
    try:
        with engine_in_use():
            result = anonymizer().anonymize(text, placeholders=mapping, context=context)
    except PiiError as exc:
        raise InvalidMessage(f"The text could not be processed safely: {exc}.", code="invalid_text") from None
    # The vault keeps the mapping's keys: they are what the engine matches later messages against.
    types = {e.placeholder: e.entity_type for e in result.entities if e.placeholder}
    new = [(types.get(p, p.strip("<>").rsplit("_", 1)[0]), key, p) for key, p in result.placeholders.items() if p not in used]
    vault.vault_store(conversation=conversation, source=source, entities=new)
    return result.text


def organisation_allow_list() -> frozenset[str]:
    """The organisation's own public details, as ``conversations.pii.allow_key`` compares them: the phone
    numbers, e-mail addresses, URLs and addresses in published knowledge-base articles, and those listed
    in the ``PII_ORGANISATION_VALUES`` setting. Anonymization keeps them in every message; the bot's
    reply path (``is_organisation_value``) uses them too. Recomputed when a published article changes."""
    stamp = KnowledgeArticle.objects.filter(published=True).aggregate(n=Count("id"), last=Max("updated_at"))
    return _allow_list(stamp["n"], stamp["last"], tuple(settings.PII_ORGANISATION_VALUES))


def is_published_text(text: str) -> bool:
    """True when ``text`` (white space folded) occurs word for word in a published article's title or body."""
    return published_text_checker()(text)


def published_text_checker() -> Callable[[str], bool]:
    """``is_published_text`` against the articles as published now, with one query: a streamed reply asks
    several times per sentence, and each answer of the function above costs a query."""
    stamp = KnowledgeArticle.objects.filter(published=True).aggregate(n=Count("id"), last=Max("updated_at"))
    corpus = _published_corpus(stamp["n"], stamp["last"])
    return lambda text: " ".join(text.split()) in corpus


@lru_cache(maxsize=4)
def _published_corpus(count: int, last_change: object) -> str:
    rows = KnowledgeArticle.objects.filter(published=True).values_list("title", "body")
    return "\n".join(" ".join(f"{title}\n{body}".split()) for title, body in rows)


def is_organisation_value(value: str) -> bool:
    """True when ``value`` is one of the organisation's public details (see organisation_allow_list)."""
    return allow_key(value) in organisation_allow_list()


@lru_cache(maxsize=4)
def _allow_list(count: int, last_change: object, configured: tuple[str, ...]) -> frozenset[str]:
    values = {allow_key(v) for v in configured}
    engine = anonymizer()
    for title, body, url in KnowledgeArticle.objects.filter(published=True).values_list("title", "body", "url"):
        if url:
            values.add(allow_key(url))
        with engine_in_use():
            found = engine.detect(f"{title}\n{body}")
        values.update(allow_key(e.original) for e in found if e.entity_type in ORGANISATION_TYPES)
    return frozenset(values)
