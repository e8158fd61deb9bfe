"""The chat pipeline made of the active versions: the provider that CHAT_PIPELINE_PROVIDER names.

Which answer tier replies is decided by the evaluation, not by hand: the active responder version
answers (the generative tier, every sentence checked) only when its ``metrics["serves_answers"]`` is
true, which only the answer gate (training/registry/answer_gate.py) writes from dev-split results;
otherwise the extractive tier answers from the active index and the responder is kept for drafting
and evaluation.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from conversations.bot.pipeline import Pipeline
from conversations.models import Intent
from training.kinds import kind_for_role
from training.models import ModelVersion
from training.serving.answers import ExtractiveTier, GenerativeTier, SentenceEmbedder, article_texts
from training.serving.slots import served, served_kinds, served_role

TIERS = ("extractive", "generative")

_lock = threading.Lock()
_extractive: dict[int, ExtractiveTier] = {}  # id of the served index -> its tier (the latest only)
_responders: dict[int, Any] = {}  # responder version id -> a loaded version that is not the active one


def extractive_tier(retriever: Any) -> ExtractiveTier:
    """The extractive tier over a served index (built once per index: it copies the index's encoder)."""
    key = id(retriever)
    with _lock:
        tier = _extractive.get(key)
    if tier is None:
        index = retriever.retriever
        tier = ExtractiveTier(SentenceEmbedder(index.encoder), article_texts(index))
        with _lock:
            _extractive.clear()
            _extractive[key] = tier
    return tier


def _responder_row(version: int | None) -> dict | None:
    rows = ModelVersion.objects.filter(kind=kind_for_role("responder").name)
    rows = rows.filter(version=version) if version is not None else rows.filter(is_active=True)
    return rows.values("id", "version", "artifact_path", "hyperparameters", "metrics", "is_active").first()


def _responder(row: dict) -> Any:
    """What serves this responder version: the slot's when it is the active one, else loaded once here."""
    if row["is_active"]:
        return served_role("responder")
    with _lock:
        loaded = _responders.get(row["id"])
    if loaded is None:
        loaded = kind_for_role("responder").load(row)
        with _lock:
            _responders.clear()
            _responders[row["id"]] = loaded
    return loaded


def pipeline_for(*, responder_version: int | None = None, tier: str | None = None) -> Pipeline:
    """The served pipeline with the given answer tier: "extractive", "generative" (responder version
    ``responder_version``, default the active one) or None: what serving chooses now for that version.

    LookupError when the generative tier is asked for a version that does not exist or none is active.
    """
    if tier not in (None, *TIERS):
        raise ValueError(f"unknown answer tier {tier!r}; choose one of {', '.join(TIERS)}")
    human_intents = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    classifier, retriever = served_role("classifier"), served_role("retriever")
    row = _responder_row(responder_version) if tier != "extractive" else None
    if tier == "generative" and row is None:
        which = f"v{responder_version}" if responder_version is not None else "version is active"
        raise LookupError(f"no responder {which}")
    responder = None
    if retriever is not None:
        extractive = extractive_tier(retriever)
        responder = extractive
        generative_wanted = tier == "generative" or (tier is None and row is not None and (row["metrics"] or {}).get("serves_answers") is True)
        loaded = _responder(row) if generative_wanted else None
        if loaded is not None:
            responder = GenerativeTier(loaded, extractive)
    return Pipeline(classifier=classifier, retriever=retriever, responder=responder, human_intents=human_intents,
                    actions=bot_actions())


def bot_actions() -> Any:
    """The bot-action step that BOT_ACTIONS_PROVIDER names (integrations, above training: named, not imported); None if unset."""
    name = getattr(settings, "BOT_ACTIONS_PROVIDER", "")
    return import_string(name)() if name else None


def pipeline_components() -> Pipeline:
    """What the bot answers with now (the CHAT_PIPELINE_PROVIDER default)."""
    return pipeline_for()


def draft_pipeline_components() -> Pipeline:
    """What drafts agents' replies (the CHAT_DRAFT_PIPELINE_PROVIDER default): the active responder when there is
    one, whether or not it serves customers (each sentence is checked as for the bot; the agent reads the draft
    before anything is sent), else what the bot answers with."""
    if _responder_row(None) is not None and served_role("retriever") is not None:
        return pipeline_for(tier="generative")
    return pipeline_for()


def warm_up() -> None:
    """Load the active version of every served kind now, so the first customer does not wait for it."""
    for kind in served_kinds():
        served(kind, wait=True)
    retriever = served_role("retriever")
    if retriever is not None:
        extractive_tier(retriever)
