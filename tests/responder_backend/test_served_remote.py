"""The served path with `RESPONDER_BACKEND=openai`: a customer message over REST (PII on) goes through the
real generative tier (grounding check, citations, extractive fallback) to a loopback chat-completions server.
A server that is down or breaks mid-reply hands the customer off with the error reason: no 500, one reply."""

from __future__ import annotations

import dataclasses

import pytest
from rest_framework.test import APIClient

from conversations.bot.pipeline import Pipeline, Source
from conversations.models import Conversation, HandoffReason, Intent, Message
from tests.conversations.fakes import IntentRetriever, KeywordClassifier
from tests.factories import IntentFactory, KnowledgeArticleFactory
from tests.responder_backend.fake_server import FakeServer
from training.serving.answers import ExtractiveTier, GenerativeTier
from training.serving.openai_backend import RemoteResponder, ServerConfig
from training.serving.responder import ServedResponder

pytestmark = pytest.mark.django_db
PROVIDER = "tests.responder_backend.test_served_remote.provider"
BODY = ("New cards arrive within 3 to 5 working days. You can follow the card in the app.\n\n"
        "If your card has not arrived after 7 working days, tap Cards > Card not arrived.")
EMAIL = "sarah.jones@example.com"
current: Pipeline | None = None


def provider() -> Pipeline:
    assert current is not None
    human = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return dataclasses.replace(current, human_intents=human)


@pytest.fixture
def served(settings, base_tokenizer, sentence_embedder):
    """Install the served pipeline over a server at ``url``; returns the installer."""
    global current
    settings.PII_ANONYMIZE = True
    settings.CHAT_PIPELINE_PROVIDER = PROVIDER
    intent = IntentFactory(name="card_arrival")
    article = KnowledgeArticleFactory(slug="card-delivery", title="When will my card arrive?", body=BODY, intents=[intent])
    source = Source(article_id=article.pk, title=article.title, url=article.url, score=0.9, passage=BODY)

    def install(url: str) -> None:
        global current
        server = ServerConfig(url=url, model="responder", connect_timeout=1.0, first_token_timeout=2.0, timeout=5.0)
        remote = RemoteResponder(base_tokenizer, server=server, generation={"max_new_tokens": 48, "temperature": 0.0},
                                 max_prompt_tokens=768, window=8192)
        generative = GenerativeTier(ServedResponder(remote, 3, max_concurrent=4), ExtractiveTier(sentence_embedder))
        current = Pipeline(classifier=KeywordClassifier({"card": ("card_arrival", 0.93)}),
                           retriever=IntentRetriever({"card_arrival": [source]}), responder=generative)

    yield install
    current = None


def ask(text: str, client_message_id: str = "m-1") -> tuple[Conversation, dict]:
    client = APIClient()
    created = client.post("/api/v1/conversations/", {}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    url = f"/api/v1/conversations/{created['id']}/messages/"
    response = client.post(url, {"text": text, "client_message_id": client_message_id}, format="json")
    assert response.status_code == 201, response.content
    again = client.post(url, {"text": text, "client_message_id": client_message_id}, format="json")
    assert again.status_code in (200, 201) and again.json()["reply"]["id"] == response.json()["reply"]["id"]
    return Conversation.objects.get(public_id=created["id"]), response.json()["reply"]


def test_the_server_writes_the_reply_checked_and_cited_as_in_process(served):
    with FakeServer() as server:
        served(server.url("ok"))
        conversation, reply = ask(f"My card hasn't come, when will it arrive? Write to {EMAIL}")
        sent = server.requests[-1]["body"]["messages"]
    assert reply["role"] == "bot" and reply["text"].startswith("New cards arrive within 3 to 5 working days [1].")
    stored = Message.objects.get(pk=reply["id"])
    assert stored.answer_tier == "generative" and stored.model_versions["responder"] == 3
    assert [s["title"] for s in stored.sources] == ["When will my card arrive?"]
    # The prompt is the one the in-process backends use: the passage numbered [1] in the system message,
    # and the customer's text as stored (anonymized), never the raw address.
    assert "[1] When will my card arrive?" in sent[0]["content"] and sent[-1]["role"] == "user"
    assert EMAIL not in sent[-1]["content"]
    assert all(EMAIL not in m.text for m in conversation.messages.all())
    assert conversation.messages.count() == 2


@pytest.mark.parametrize("behaviour", ["down", "malformed", "http500", "slow_first"])
def test_a_failing_server_hands_off_with_the_error_reason_once(served, behaviour):
    with FakeServer(delay=3.0) as server:
        url = server.url(behaviour)
        if behaviour == "down":
            url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens on loopback
        served(url)
        conversation, reply = ask("When will my card arrive?")
    assert reply["role"] == "system"
    conversation.refresh_from_db()
    assert conversation.handoff_reason == HandoffReason.ERROR
    assert conversation.status == Conversation.Status.WAITING_FOR_AGENT
    assert list(conversation.messages.values_list("role", flat=True).order_by("id")) == ["customer", "system"]
