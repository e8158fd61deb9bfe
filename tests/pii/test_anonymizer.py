"""End to end through Presidio and spaCy (one warmed Anonymizer for the session)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conversations.pii import offline
from conversations.pii import (
    Anonymizer,
    InputTooLongError,
    InvalidInputError,
    InvalidMappingError,
    PiiConfig,
    PiiError,
    get_anonymizer,
    restore,
)

POSITIVES = [
    ("EMAIL", "Please write to jane.doe@example.com today", "jane.doe@example.com"),
    ("PHONE", "Call me on +44 20 7946 0018 after five", "+44 20 7946 0018"),
    ("PHONE", "my number is (415) 555-2671", "(415) 555-2671"),
    ("CARD", "My card 4111 1111 1111 1111 was declined", "4111 1111 1111 1111"),
    ("IBAN", "Refund to DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"),
    ("IP", "Login attempt from 203.0.113.7 was not me", "203.0.113.7"),
    ("IP", "my router is 2001:db8::1", "2001:db8::1"),
    ("SSN", "My SSN is 078-05-1120.", "078-05-1120"),
    ("PERSON", "Hi, my name is Sarah Connor and I need help.", "Sarah Connor"),
    ("LOCATION", "I live in Manchester and my card does not work.", "Manchester"),
    ("ADDRESS", "Send it to 221B Baker Street, London NW1 6XE please.", "221B Baker Street, London NW1 6XE"),
    ("DATE_OF_BIRTH", "My date of birth is 14/02/1987.", "14/02/1987"),
    ("ORDER_ID", "Where is order ORD-123456?", "ORD-123456"),
    ("ORDER_ID", "My order #123456789 is late", "#123456789"),
    ("ACCOUNT_NUMBER", "account number 31926819 shows a fee", "31926819"),
    ("TICKET_ID", "Any news on TCK-12345?", "TCK-12345"),
    ("USERNAME", "username: jdoe88", "jdoe88"),
    ("PASSWORD", "my password is hunter2", "hunter2"),
    ("URL", "my shop is at https://janes-crafts.example.com/about", "https://janes-crafts.example.com/about"),
]


@pytest.mark.parametrize("entity_type, text, value", POSITIVES, ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIVES)])
def test_each_entity_type_is_detected_and_replaced(anonymizer: Anonymizer, entity_type: str, text: str, value: str) -> None:
    result = anonymizer.anonymize(text)
    assert [(e.entity_type, e.original) for e in result.entities] == [(entity_type, value)]
    entity = result.entities[0]
    assert text[entity.start:entity.end] == value
    assert value not in result.text
    assert result.text == text.replace(value, f"<{entity_type}_1>")


NO_PII = [
    "I paid £50 for 2 items and only got 1.",
    "Why was I charged $19.99 twice?",
    "My parcel arrives on 12 May, is that right?",
    "Delivery was due 03/06/2024 but it's now 10/06/2024.",
    "Order of 12 units at €1,299.00 each, 20% off.",
    "I ordered 3 boxes of 24 but the invoice says 48.",
    "The delivery window is between 9:00 and 17:30.",
    "Card ending 1234 was declined.",
    "The app version 2.3.1 crashes on step 3 of 5.",
    "Hi, thanks for the quick reply!",
    "Hello, I need help with my Kestrel Bank card please.",
    "Thanks! Hi again, Kestrel support was great.",
    "my pin isnt working",
    "I forgot my password, please send a reset link.",
    "Can I send money to Germany from the app?",
    "See https://help.kestrel-bank.example/cards/lost for the steps.",
    "I've been waiting 14 days for a refund of 250 EUR.",
    "Interest rate is 3.5% but I was told 2.9%.",
]


@pytest.mark.parametrize("text", NO_PII)
def test_false_positive_guards(anonymizer: Anonymizer, text: str) -> None:
    result = anonymizer.anonymize(text)
    assert result.entities == []
    assert result.text == text


def test_placeholders_are_consistent_within_a_conversation(anonymizer: Anonymizer) -> None:
    first = anonymizer.anonymize("Email jane@example.com or JANE@example.com, not bob@example.org")
    assert first.text == "Email <EMAIL_1> or <EMAIL_1>, not <EMAIL_2>"
    second = anonymizer.anonymize("Again: jane@example.com and sue@example.net", first.placeholders)
    assert second.text == "Again: <EMAIL_1> and <EMAIL_3>"
    assert second.placeholders == {"jane@example.com": "<EMAIL_1>", "bob@example.org": "<EMAIL_2>", "sue@example.net": "<EMAIL_3>"}
    assert first.placeholders == {"jane@example.com": "<EMAIL_1>", "bob@example.org": "<EMAIL_2>"}  # not mutated


def test_caller_mapping_is_used_and_returned_unchanged(anonymizer: Anonymizer) -> None:
    mapping = {"Jane@Example.com": "<EMAIL_4>", "+44 20 7946 0018": "<PHONE_1>"}
    result = anonymizer.anonymize("jane@example.com / 0044 20 7946 0018 / x@example.com", mapping)
    assert result.text == "<EMAIL_4> / <PHONE_1> / <EMAIL_5>"
    assert result.placeholders == {**mapping, "x@example.com": "<EMAIL_5>"}
    assert mapping == {"Jane@Example.com": "<EMAIL_4>", "+44 20 7946 0018": "<PHONE_1>"}


def test_invalid_mapping_is_rejected(anonymizer: Anonymizer) -> None:
    with pytest.raises(InvalidMappingError):
        anonymizer.anonymize("hello", {"jane@example.com": "EMAIL_1"})


def test_restore_gives_back_canonical_values(anonymizer: Anonymizer) -> None:
    result = anonymizer.anonymize("card 4111-1111-1111-1111, I typed <CARD_1> too")
    assert result.text == "card <CARD_1>, I typed [CARD_1] too"
    assert restore(result.text, result.placeholders) == "card 4111111111111111, I typed [CARD_1] too"


@pytest.mark.parametrize(
    "typed, neutralised",
    [("<EMAIL_1>", "[EMAIL_1]"), ("<<EMAIL_1>>", "[[EMAIL_1]]"), ("<email_1>", "[email_1]"),
     ("＜EMAIL_1＞", "[EMAIL_1]"), ("<EMAIL\u200b_1>", "[EMAIL_1]"), ("< PHONE_12 >", "[PHONE_12]")],
)
def test_literal_placeholders_are_neutralised(anonymizer: Anonymizer, typed: str, neutralised: str) -> None:
    result = anonymizer.anonymize(f"I typed {typed} and my email is jane@example.com")
    assert result.text == f"I typed {neutralised} and my email is <EMAIL_1>"
    assert result.neutralised_literals == 1
    assert result.placeholders == {"jane@example.com": "<EMAIL_1>"}


def test_literal_placeholder_cannot_collide_with_a_real_one(anonymizer: Anonymizer) -> None:
    result = anonymizer.anonymize("<EMAIL_1> is fake, jane@example.com is real", {"bob@example.com": "<EMAIL_1>"})
    assert result.text == "[EMAIL_1] is fake, <EMAIL_2> is real"


@pytest.mark.parametrize(
    "text, value, entity_type",
    [
        ("mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "EMAIL"),
        ("mail jane\u200b@exa\u200dmple.com now", "jane\u200b@exa\u200dmple.com", "EMAIL"),
        ("card ４１１１ １１１１ １１１１ １１１１ now", "４１１１ １１１１ １１１１ １１１１", "CARD"),
        ("card 4111\u200b1111\u20601111\ufeff1111 now", "4111\u200b1111\u20601111\ufeff1111", "CARD"),
        ("card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 now", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "CARD"),
        ("card 4111–1111–1111–1111 now", "4111–1111–1111–1111", "CARD"),
        ("call +４４ ２０ ７９４６ ００１８ now", "+４４ ２０ ７９４６ ００１８", "PHONE"),
    ],
)
def test_normalization_tricks_map_back_onto_the_original(anonymizer: Anonymizer, text: str, value: str, entity_type: str) -> None:
    result = anonymizer.anonymize(text)
    assert [(e.entity_type, e.original) for e in result.entities] == [(entity_type, value)]
    assert result.text == text.replace(value, f"<{entity_type}_1>")


def test_same_value_in_disguise_gets_the_same_placeholder(anonymizer: Anonymizer) -> None:
    result = anonymizer.anonymize("4111111111111111 and ４１１１-１１１１-１１１１-１１１１ and 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1")
    assert result.text == "<CARD_1> and <CARD_1> and <CARD_1>"


@pytest.mark.parametrize(
    "text",
    ["\ud800\udc00\ud800 broken", "bin\x00ary\x01\x02 garbage \x7f", "\u202e\u2066mixed\u2069 direction", "", "   "],
)
def test_invalid_text_does_not_crash(anonymizer: Anonymizer, text: str) -> None:
    result = anonymizer.anonymize(text)
    result.text.encode("utf-8")  # storable
    assert "\x00" not in result.text
    assert len(result.text) == len(text)


def test_bytes_are_decoded_and_garbage_replaced(anonymizer: Anonymizer) -> None:
    result = anonymizer.anonymize(b"\xff\xfe mail jane@example.com \x80\x81")
    assert result.text == "\ufffd\ufffd mail <EMAIL_1> \ufffd\ufffd"


def test_random_binary_garbage(anonymizer: Anonymizer) -> None:
    import random

    rng = random.Random(7)
    blob = bytes(rng.randrange(256) for _ in range(5000)) + b" jane@example.com"
    result = anonymizer.anonymize(blob)
    assert result.text.endswith(" <EMAIL_1>")


@pytest.mark.parametrize("value", [None, 42, ["a"], {"text": "x"}])
def test_non_text_input_raises_a_typed_error(anonymizer: Anonymizer, value: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        anonymizer.anonymize(value)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and isinstance(info.value, PiiError)


def test_long_input_is_rejected_by_default(anonymizer: Anonymizer) -> None:
    text = ("My email is jane@example.com. " * 40_000)[:1_000_000]
    with pytest.raises(InputTooLongError) as info:
        anonymizer.anonymize(text)
    assert info.value.length == 1_000_000 and info.value.limit == anonymizer.config.max_chars
    assert isinstance(info.value, ValueError)


def test_long_input_can_be_truncated_without_leaking_the_tail() -> None:
    anonymizer = Anonymizer(PiiConfig(max_chars=2_000, on_oversize="truncate"))
    text = "word " * 390 + "card 4111 1111 1111 1111 " + "secret@example.com " * 50_000
    result = anonymizer.anonymize(text)
    assert result.truncated
    assert len(result.text) <= 2_000
    assert "4111" not in result.text and "secret@" not in result.text


def test_text_at_the_limit_is_processed(anonymizer: Anonymizer) -> None:
    limit = anonymizer.config.max_chars
    text = ("x " * limit)[: limit - 17] + " a@example.com"
    assert len(text) <= limit
    assert anonymizer.anonymize(text).text.endswith("<EMAIL_1>")


def test_nhs_recognizer_is_off_by_default_and_can_be_enabled(anonymizer: Anonymizer) -> None:
    text = "My NHS number is 943 476 5919"
    assert all(e.entity_type != "UK_NHS" for e in anonymizer.detect(text))
    nhs = Anonymizer(PiiConfig(extra_presidio_recognizers=("NhsRecognizer",)))
    assert [e.entity_type for e in nhs.detect(text)] == ["UK_NHS"]
    assert nhs.anonymize(text).text == "My NHS number is <UK_NHS_1>"


def test_unknown_presidio_recognizer_is_a_config_error() -> None:
    with pytest.raises(ValueError):
        Anonymizer(PiiConfig(extra_presidio_recognizers=("NoSuchRecognizer",))).warm_up()


def test_entity_types_can_be_disabled_and_custom_ids_added() -> None:
    config = PiiConfig(
        enabled_entities=frozenset({"EMAIL"}),
        id_patterns={"MEMBERSHIP_ID": r"\bMEM-\d{6}\b"},
    )
    result = Anonymizer(config).anonymize("jane@example.com, +44 20 7946 0018, MEM-123456, ORD-123456")
    assert result.text == "<EMAIL_1>, +44 20 7946 0018, <MEMBERSHIP_ID_1>, ORD-123456"


def test_countries_are_kept_unless_configured(anonymizer: Anonymizer) -> None:
    text = "I'm living in Spain and moved from Leeds"
    assert [(e.entity_type, e.original) for e in anonymizer.detect(text)] == [("LOCATION", "Leeds")]
    with_countries = Anonymizer(PiiConfig(report_countries=True))
    assert ("LOCATION", "Spain") in [(e.entity_type, e.original) for e in with_countries.detect(text)]


def test_email_validation_is_offline_and_quiet(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(offline, "_extractor", None)  # rebuilt below, with the network blocked
    anonymizer = Anonymizer(PiiConfig())
    assert [e.entity_type for e in anonymizer.detect("write to jane@example.co.uk or bob@example.museum")] == ["EMAIL", "EMAIL"]
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    assert EmailRecognizer().validate_result("jane@example.com") is True  # stock recognizer patched too
    assert attempts == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = "import sys, conversations.pii; print(sorted(m for m in ('presidio_analyzer', 'spacy', 'django', 'tldextract') if m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


def test_get_anonymizer_caches_one_warm_instance_per_config() -> None:
    results: list[Anonymizer] = []
    threads = [threading.Thread(target=lambda: results.append(get_anonymizer())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(a) for a in results}) == 1 and results[0].is_warm
    assert get_anonymizer(PiiConfig()) is results[0]
    assert get_anonymizer(PiiConfig(score_threshold=0.6)) is not results[0]


def test_concurrent_use_is_safe(anonymizer: Anonymizer) -> None:
    texts = [f"user{i}@example.com called +44 20 7946 00{i:02d}" for i in range(20)]
    outputs: dict[int, str] = {}

    def work(i: int) -> None:
        outputs[i] = anonymizer.anonymize(texts[i]).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(outputs[i] == "<EMAIL_1> called <PHONE_1>" for i in range(20))


def test_person_filters_greetings_and_product_names(types_of) -> None:  # noqa: ANN001
    assert types_of("Hi John, thanks for the help") == [("PERSON", "John")]
    assert types_of("Hello Kestrel Bank, Thanks") == []


def test_overlaps_keep_the_stronger_entity(types_of) -> None:  # noqa: ANN001
    assert types_of("Contact John Smith jsmith@example.com") == [("PERSON", "John Smith"), ("EMAIL", "jsmith@example.com")]
    assert types_of("iban FR76 3000 6000 0112 3456 7890 189") == [("IBAN", "FR76 3000 6000 0112 3456 7890 189")]


def test_config_is_validated_early() -> None:
    with pytest.raises(ValueError):
        PiiConfig(id_patterns={"member id": r"MEM-\d+"})
    with pytest.raises(ValueError):
        PiiConfig(id_patterns={"MEMBER_ID": r"MEM-(\d+"})
    with pytest.raises(ValueError):
        PiiConfig(on_oversize="drop")  # type: ignore[arg-type]
    assert hash(PiiConfig()) == hash(PiiConfig()) and PiiConfig() == PiiConfig()


def test_truncation_with_a_small_limit() -> None:
    result = Anonymizer(PiiConfig(max_chars=40, on_oversize="truncate")).anonymize("write to jane@example.com and then " * 5)
    assert result.truncated and result.text == "write to <EMAIL_1> and then write"  # cut at the space at 40
