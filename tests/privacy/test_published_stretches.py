"""A bot reply that quotes a published article word for word keeps it whole; anything else in it is scrubbed."""

from __future__ import annotations

import pytest

from conversations.bot.scrubber import ReplyScrubber
from conversations.models import Conversation, KnowledgeArticle
from conversations.pii_engine import pii_spans
from conversations.privacy import anonymize_text, is_published_text

ARTICLE = ("You can view your PIN. If you enter your passcode 5 times, the app locks for 30 minutes. "
           "Salary payments usually arrive by 9am. In the app, open Statements, then tap Download PDF.")


def _stream(reply: str, conversation: Conversation, *, public: bool) -> str:
    scrubber = ReplyScrubber(detect=pii_spans, anonymize=lambda t: anonymize_text(t, conversation=conversation, source="bot"),
                             is_public=is_published_text if public else None)
    for word in reply.split(" "):
        scrubber.feed(word + " ")
    scrubber.finish()
    return scrubber.text.strip()


@pytest.fixture
def conversation(db, settings):
    settings.PII_ANONYMIZE = True
    KnowledgeArticle.objects.create(slug="app", title="Using the app", body=ARTICLE, url="https://kestrel.example/app")
    return Conversation.objects.create()


def test_quoted_article_sentences_and_their_citations_survive(conversation):
    reply = ("You can view your PIN [1]. If you enter your passcode 5 times, the app locks for 30 minutes [1]. "
             "Salary payments usually arrive by 9am [1]. In the app, open Statements, then tap Download PDF [1].")
    assert _stream(reply, conversation, public=True) == reply
    # What the article check prevents: the engine alone reads "Download PDF" as a name.
    damaged = _stream(reply, conversation, public=False)
    assert damaged != reply and "<PERSON_1>" in damaged


def test_sentences_apart_in_the_article_are_each_public(conversation):
    reply = "Salary payments usually arrive by 9am [1]. You can view your PIN [1]. If you enter your passcode 5 times, the app locks for 30 minutes [1]."
    assert _stream(reply, conversation, public=True) == reply


def test_a_value_in_a_sentence_that_is_not_the_articles_is_still_scrubbed(conversation):
    out = _stream("You can view your PIN, John Smith, on 07700 900123 [1].", conversation, public=True)
    assert "John" not in out and "Smith" not in out and "07700" not in out
    out = _stream("Salary payments usually arrive by 9am [1]. John Smith can help.", conversation, public=True)
    assert out.startswith("Salary payments usually arrive by 9am [1].") and "John" not in out and "Smith" not in out


def test_an_unpublished_article_is_not_public(conversation):
    KnowledgeArticle.objects.update(published=False)
    assert not is_published_text("If you enter your passcode 5 times")
    KnowledgeArticle.objects.update(published=True)
    assert is_published_text("If you enter your passcode 5 times")
    assert not is_published_text("If you enter your passcode 6 times")
