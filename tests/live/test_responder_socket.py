"""The real fine-tuned responder (a few CPU steps, the session fixture) streams a cited reply over the socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations.bot.pipeline import Classification, Pipeline, Source
from conversations.models import Message
from tests.live.conftest import customer_socket, frames_until, live_db
from tests.responder_fixtures import ARTICLES

pytestmark = [*live_db, pytest.mark.asyncio, pytest.mark.slow]

CARD, FEES = 11, 13
_pipeline: Pipeline | None = None


def provider() -> Pipeline:
    assert _pipeline is not None
    return _pipeline


class CardClassifier:
    version = 1

    def classify(self, text: str) -> Classification:
        return Classification(intent="card_arrival", confidence=0.95, out_of_scope=False, model_version=1)


class TwoPassages:
    """The gold article first and a distractor second, as the index would rank them."""

    version = 1

    def retrieve(self, *, text, history, intent):  # noqa: ANN001, ANN201
        return [Source(article_id=i, title=ARTICLES[i][0], url=f"https://help.example/{i}", score=0.8, passage=ARTICLES[i][1])
                for i in (CARD, FEES)]


@pytest.fixture
def real_responder_pipeline(settings, trained_responder):
    from training.ml.responder import load_responder
    from training.serving.responder import ServedResponder

    global _pipeline
    served = ServedResponder(load_responder(trained_responder.path), version=3, max_concurrent=1)
    _pipeline = Pipeline(classifier=CardClassifier(), retriever=TwoPassages(), responder=served)
    settings.CHAT_PIPELINE_PROVIDER = f"{__name__}.provider"
    settings.RESPONDER_MAX_NEW_TOKENS = 40
    yield served
    _pipeline = None


async def test_the_fine_tuned_responder_streams_a_cited_reply(application, conversation, real_responder_pipeline):
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to({"type": "message", "text": "When will my new card arrive?", "client_message_id": "r-1"})
        frames = await frames_until(socket, "reply_end", timeout=180)

    tokens = [f["text"] for f in frames if f["type"] == "token"]
    end = frames[-1]
    assert len(tokens) >= 3, "the reply arrives token by token"
    assert end["role"] == "bot" and end["text"] == "".join(tokens)
    bot = await database_sync_to_async(Message.objects.get)(conversation=conversation, role="bot")
    assert bot.text == end["text"] and bot.model_versions["responder"] == 3
    assert end["sources"], "a grounded reply carries its sources"
    assert {s["id"] for s in end["sources"]} <= {CARD, FEES}
    cited = [s for s in end["sources"] if "n" in s]
    for source in cited:  # every [n] in the text is the source listed with that number
        assert f"[{source['n']}]" in end["text"].replace(" ", "")
    assert cited, f"the fine-tuned reply cites a passage: {end['text']!r}"
