"""The cheaper PII pass: spaCy only where a word could be a name, no scan of an article's own text,
one engine key per configuration. Recall is the benchmarks' business (bench/pii); these pin the behaviour."""

from __future__ import annotations

import pytest

from conversations.bot.scrubber import ReplyScrubber
from conversations.pii import PiiConfig, get_anonymizer
from conversations.pii.gate import may_hold_names


@pytest.mark.parametrize("text", ["How do I change my PIN?", "When will my new card arrive?", "Thanks! Is Apple Pay supported?",
                                  "my card ending 4821 was declined", "Is there a fee for that?"])
def test_messages_without_a_possible_name_skip_ner(text):
    assert not may_hold_names(text)


@pytest.mark.parametrize("text", ["Hi, I'm Sarah Connolly", "I moved to Leeds", "my name is jo smith", "Please ask May to call me",
                                  "this is mr smith", "Call O'Brien back"])
def test_messages_that_may_name_someone_get_ner(text):
    assert may_hold_names(text)


def test_the_gated_engine_still_finds_names_and_places():
    engine = get_anonymizer(PiiConfig())
    found = {(e.entity_type, e.original) for e in engine.detect("Hi, I'm Sarah Connolly and I moved to Leeds last week.")}
    assert ("PERSON", "Sarah Connolly") in found and ("LOCATION", "Leeds") in found
    assert engine.detect("How do I change my PIN?") == []


def test_the_configuration_key_is_computed_once():
    config = PiiConfig()
    assert config.cache_key() is config.cache_key()
    assert PiiConfig(score_threshold=0.6).cache_key() != config.cache_key()


def test_an_articles_own_text_is_released_without_a_scan(settings):
    settings.PII_ANONYMIZE = True
    scans: list[str] = []
    article = "You can freeze your card in the app under Card settings. It takes effect at once."
    scrubber = ReplyScrubber(detect=lambda text: scans.append(text) or [], anonymize=lambda text: f"<scrubbed {text}>",
                             is_public=lambda text: " ".join(text.split()) in article)
    out = "".join(scrubber.feed(p) for p in ["You can freeze your card in the app under Card settings.", " It takes effect at once."])
    out += scrubber.finish()
    assert out == article and scans == []
    # Text that is not the article's is still scanned and anonymized.
    scrubber = ReplyScrubber(detect=lambda text: scans.append(text) or [], anonymize=lambda text: f"<{text}>",
                             is_public=lambda text: " ".join(text.split()) in article)
    out = "".join(scrubber.feed(p) for p in ["Call Sarah on 07700 900123 about", " your card settings today please."]) + scrubber.finish()
    assert scans and out.startswith("<")
