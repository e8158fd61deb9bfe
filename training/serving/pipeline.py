"""The chat pipeline made of the active versions: the provider that CHAT_PIPELINE_PROVIDER names."""

from __future__ import annotations

from conversations.bot.pipeline import Pipeline
from conversations.models import Intent
from training.serving.slots import served, served_kinds, served_role

ROLES = ("classifier", "retriever", "responder")


def pipeline_components() -> Pipeline:
    """What the bot answers with now: each pipeline slot filled by the active version of its kind."""
    human_intents = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return Pipeline(**{role: served_role(role) for role in ROLES}, human_intents=human_intents)


def warm_up() -> None:
    """Load the active version of every served kind now, so the first customer does not wait for it."""
    for kind in served_kinds():
        served(kind, wait=True)
