from __future__ import annotations

from conversations.pii.normalize import normalize, sanitize


def test_ascii_text_is_identity() -> None:
    n = normalize("plain text 123")
    assert n.text == "plain text 123"
    assert n.to_original(6, 10) == (6, 10)


def test_full_width_digits_and_at_sign_become_ascii() -> None:
    n = normalize("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ ４１１１")
    assert n.text == "jane@example.com 4111"
    assert n.to_original(17, 21) == (17, 21)


def test_zero_width_characters_are_removed_and_spans_cover_them() -> None:
    original = "mail jane\u200b@exa\u200dmple.com now"
    n = normalize(original)
    assert n.text == "mail jane@example.com now"
    start, end = n.to_original(5, 21)
    assert original[start:end] == "jane\u200b@exa\u200dmple.com"


def test_spaced_out_digits_are_joined() -> None:
    original = "card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok"
    n = normalize(original)
    assert n.text == "card 4111111111111111 ok"
    assert original[slice(*n.to_original(5, 21))] == "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"


def test_unicode_dashes_and_combining_marks() -> None:
    n = normalize("Jose\u0301 4111\u20131111")
    assert n.text == "José 4111-1111"
    assert n.to_original(0, 4) == (0, 5)


def test_controls_and_surrogates() -> None:
    assert normalize("a\x00b\x07c").text == "a b c"
    assert normalize("x\ud800y").text == "x\ufffdy"
    assert sanitize("a\x00b\udfffc") == "a\ufffdb\ufffdc"
