"""The pure-Python detectors, without Presidio or spaCy."""

from __future__ import annotations

import pytest

from conversations.pii.config import DEFAULT_ID_PATTERNS
from conversations.pii.detectors.address import find_addresses
from conversations.pii.detectors.contact import find_emails, find_urls
from conversations.pii.detectors.context import compile_id_patterns, find_credentials, find_dates_of_birth, find_ids
from conversations.pii.detectors.numeric import find_cards, find_ibans, find_ips, find_ssns, iban_ok, luhn_ok
from conversations.pii.detectors.phone import find_phones


def values(text: str, spans) -> list[str]:  # noqa: ANN001
    return [text[s.start:s.end] for s in spans]


def test_luhn_and_iban_checksums() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000")
    assert not iban_ok("DE89370400440532013001")
    assert not iban_ok("DE8937040044053201300")  # wrong length for DE


@pytest.mark.parametrize(
    "text, expected",
    [
        ("card 4111 1111 1111 1111 cvv 123", ["4111 1111 1111 1111"]),
        ("4111-1111-1111-1111", ["4111-1111-1111-1111"]),
        ("amex 3782 822463 10005", ["3782 822463 10005"]),
        ("qty 2 4111111111111111", ["4111111111111111"]),
        ("maestro card 6759 6498 2648", ["6759 6498 2648"]),
        ("ref 4111111111111112", []),  # Luhn fails
        ("call 0044 1234 5678 9012", []),
        ("order 1234567812345678", []),
    ],
)
def test_cards(text: str, expected: list[str]) -> None:
    assert values(text, find_cards(text)) == expected


def test_ibans_compact_spaced_lowercase_and_checksum() -> None:
    text = "DE89 3704 0044 0532 0130 00 or gb82west12345698765432 but not DE89370400440532013001 please"
    assert values(text, find_ibans(text)) == ["DE89 3704 0044 0532 0130 00", "gb82west12345698765432"]


def test_ssn_needs_dashes_or_context() -> None:
    text = "SSN 078-05-1120, ssn: 219099999, order 219099998, 000-12-3456, 666-12-3456"
    assert values(text, find_ssns(text)) == ["078-05-1120", "219099999"]


def test_ip_v4_v6_and_version_numbers() -> None:
    text = "from 192.168.1.10. and 2001:db8::8a2e:370:7334, app version 1.2.3.4, time 12:30:45, 999.1.1.1"
    assert values(text, find_ips(text)) == ["192.168.1.10", "2001:db8::8a2e:370:7334"]


@pytest.mark.parametrize(
    "text",
    ["+44 20 7946 0018", "+1 (415) 555-2671", "0044 20 7946 0018", "(0161) 496 0598", "020 7946 0018",
     "415-555-2671", "06 12 34 56 78", "+49(0) 30 1234567", "+31 6 1234 5678", "555.123.4567x89"],
)
def test_phone_formats(text: str) -> None:
    assert values(text, find_phones(text)) == [text]


@pytest.mark.parametrize(
    "text",
    ["it costs $1999.99", "on 12.05.2024", "in 2019-2023", "I ordered 12 items for 250 euros",
     "ORD-1234567", "#123456789", "ip 192.168.100.200", "total 1 299 00", "SSN 123-45-6789"],
)
def test_not_phones(text: str) -> None:
    assert find_phones(text) == []


def test_bare_number_is_a_phone_only_with_context() -> None:
    assert values("text me on 7700900123", find_phones("text me on 7700900123")) == ["7700900123"]
    assert find_phones("reference 7700900123") == []


@pytest.mark.parametrize(
    "address",
    ["221B Baker Street, London NW1 6XE", "1600 Pennsylvania Ave, Washington, DC 20500", "Flat 3, 12 High Street",
     "Hauptstraße 5, 10115 Berlin", "Kerkstraat 12, 1017 GB Amsterdam", "12, rue de la Paix, 75002 Paris",
     "Calle Mayor 5, 28013 Madrid", "Via Roma, 10, 00184 Roma (RM)", "12 baker street"],
)
def test_addresses(address: str) -> None:
    text = f"please send it to {address}. thanks"
    assert values(text, find_addresses(text)) == [address]


@pytest.mark.parametrize("text", ["During 2 weeks I waited", "I bought 3 new road bikes", "I waited 10 days for 2 cards"])
def test_not_addresses(text: str) -> None:
    assert find_addresses(text) == []


def test_dates_of_birth_only_with_birth_context() -> None:
    text = (
        "I was born on 12/05/1985. DOB: 1985-05-12. 4 March 1979 is my date of birth. "
        "My parcel arrives on 12 May 2024. Delivered 03/06/2024. born in 1990 and ordered on 12/05/2024."
    )
    assert values(text, find_dates_of_birth(text)) == ["12/05/1985", "1985-05-12", "4 March 1979"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my password is hunter2", [("PASSWORD", "hunter2")]),
        ("pwd: q*8Kadwe6)", [("PASSWORD", "q*8Kadwe6)")]),
        ("username: jdoe88. thanks", [("USERNAME", "jdoe88")]),
        ("my password, it's tr0ub4dor&3", [("PASSWORD", "tr0ub4dor&3")]),
        ("my pin is 1234", [("PASSWORD", "1234")]),
        ("my password is not working", []),
        ("password reset link please", []),
        ("my pin isnt working", []),
        ("the login page is broken", []),
        ("fingerprint login stopped working", []),
    ],
)
def test_credentials(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.entity_type, text[s.start:s.end]) for s in find_credentials(text)] == expected


def test_id_patterns_with_and_without_capture_group() -> None:
    compiled = compile_id_patterns(DEFAULT_ID_PATTERNS)
    text = "ORD-123456, #123456789, order number 98765432, account no. 1234 5678, TCK-12345, ticket 778899, 3 items"
    found = [(s.entity_type, text[s.start:s.end]) for s in find_ids(text, compiled)]
    assert found == [
        ("ORDER_ID", "ORD-123456"), ("ORDER_ID", "#123456789"), ("ORDER_ID", "98765432"),
        ("ACCOUNT_NUMBER", "1234 5678"), ("TICKET_ID", "TCK-12345"), ("TICKET_ID", "778899"),
    ]


def test_emails_and_urls() -> None:
    text = "jane.doe+x@example.co.uk, Jane (at) example (dot) com, see https://help.kestrel-bank.example/a and www.janes-blog.net."
    assert values(text, find_emails(text)) == ["jane.doe+x@example.co.uk", "Jane (at) example (dot) com"]
    assert values(text, find_urls(text, ["kestrel-bank.example"])) == ["www.janes-blog.net"]


def test_email_regex_is_linear_on_long_words() -> None:
    import time

    text = "a" * 20_000 + " " + "b." * 10_000 + " x@" + "c" * 5_000
    start = time.perf_counter()
    find_emails(text)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hi, my name is Jean-Pierre de la Fontaine.", ["Jean-Pierre de la Fontaine"]),
        ("hey its Sasha, i changed my number", ["Sasha"]),
        ("Thanks Carol, that fixed it!", ["Carol"]),
        ("My husband Olivier Lévêque also has an account", ["Olivier Lévêque"]),
        ("Regards,\nRuth Baker", ["Ruth Baker"]),
        ("Sorry for the delay, Cliona here again", ["Cliona"]),
        ("my name is john smith.", ["john smith"]),
        ("I'm Still waiting and I'm British", []),
        ("my name is spelled wrong", []),
        ("Hello Kestrel Bank, this is Urgent", []),
    ],
)
def test_person_cues(text: str, expected: list[str]) -> None:
    from conversations.pii.config import DEFAULT_NER_DENY_LIST
    from conversations.pii.detectors.names import find_person_context

    assert values(text, find_person_context(text, frozenset(DEFAULT_NER_DENY_LIST))) == expected


def test_place_cues() -> None:
    from conversations.pii.detectors.names import find_place_context

    text = "I live in South Jamesville. Dean Pison from Beilen here. We moved from Dumas-sur-Mer last year."
    assert values(text, find_place_context(text)) == ["South Jamesville", "Dumas-sur-Mer", "Beilen"]


@pytest.mark.parametrize(
    "text, expected",
    [("password ab1", ["ab1"]), ("pass 2 exams", []), ("pass ab1", []), ("login stopped", []), ("the username jdoe years ago", ["jdoe"])],
)
def test_credentials_without_separator(text: str, expected: list[str]) -> None:
    assert values(text, find_credentials(text)) == expected
