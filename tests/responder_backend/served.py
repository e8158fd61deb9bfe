"""A served pipeline whose generative tier is the openai backend: the real tiers (grounding check, citations,
extractive fallback) over a classifier and retriever that always find the card article."""

from __future__ import annotations

import dataclasses
from typing import Any

from rest_framework.test import APIClient

from conversations.bot.pipeline import Pipeline, Source
from conversations.models import Conversation, Intent
from tests.conversations.fakes import IntentRetriever, KeywordClassifier
from training.serving.answers import ExtractiveTier, GenerativeTier
from training.serving.openai_backend import RemoteResponder, ServerConfig
from training.serving.responder import ServedResponder

PROVIDER = "tests.responder_backend.served.provider"
BODY = ("New cards arrive within 3 to 5 working days. You can follow the card in the app.\n\n"
        "If your card has not arrived after 7 working days, tap Cards > Card not arrived.")
EMAIL = "sarah.jones@example.com"
current: Pipeline | None = None


def provider() -> Pipeline:
    assert current is not None
    human = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return dataclasses.replace(current, human_intents=human)


def install(*, url: str, tokenizer: Any, embedder: Any, source: Source, first_token_timeout: float = 2.0,
            timeout: float = 5.0) -> None:
    global current
    server = ServerConfig(url=url, model="responder", connect_timeout=1.0, first_token_timeout=first_token_timeout, timeout=timeout)
    remote = RemoteResponder(tokenizer, server=server, generation={"max_new_tokens": 48, "temperature": 0.0},
                             max_prompt_tokens=768, window=8192)
    generative = GenerativeTier(ServedResponder(remote, 3, max_concurrent=4), ExtractiveTier(embedder))
    current = Pipeline(classifier=KeywordClassifier({"card": ("card_arrival", 0.93)}),
                       retriever=IntentRetriever({"card_arrival": [source]}), responder=generative)


def uninstall() -> None:
    global current
    current = None


def ask(text: str, client_message_id: str = "m-1") -> tuple[Conversation, dict]:
    """Ask over REST, then resend the same message: one stored reply, the same one both times."""
    client = APIClient()
    created = client.post("/api/v1/conversations/", {}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    url = f"/api/v1/conversations/{created['id']}/messages/"
    response = client.post(url, {"text": text, "client_message_id": client_message_id}, format="json")
    assert response.status_code == 201, response.content
    again = client.post(url, {"text": text, "client_message_id": client_message_id}, format="json")
    assert again.status_code in (200, 201) and again.json()["reply"]["id"] == response.json()["reply"]["id"]
    return Conversation.objects.get(public_id=created["id"]), response.json()["reply"]
