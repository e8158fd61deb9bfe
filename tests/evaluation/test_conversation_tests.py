"""Conversation tests: the YAML format, its errors with file and line, and the command's per-turn diff."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command

from training.evaluation import evaluate as evaluate_module
from training.ml.common.errors import DataError
from training.ml.evaluation.stories import stories_load, stories_parse

GOOD = """stories:
  - story: card then person
    turns:
      - user: "when does my card come? I'm jane.doe@example.org"
        intent: card_arrival
        handed_off: false
        cites: "When will my card arrive?"
        contains: ["3 to 5 working days"]
        not_stored: jane.doe@example.org
      - user: "can a person help"
        handed_off: true
        reason: customer_request
"""


def test_the_demo_suite_parses():
    stories = stories_load("training/evaluation/stories")
    assert len(stories) >= 5 and all(s.turns for s in stories)


@pytest.mark.parametrize(("text", "message"), [
    ("stories:\n  - story: x\n    turns:\n      - user: [unclosed\n", "t.yml:5: not valid YAML"),
    ("stories:\n  - story: x\n    turns:\n      - user: hi\n        handed_of: true\n", "t.yml:4: unknown key(s) handed_of"),
    ("stories:\n  - story: x\n    turns: []\n", "t.yml:2: story 'x' needs a non-empty list"),
    ("nothing: here\n", "t.yml:1: expected a mapping"),
])
def test_errors_name_the_file_and_line(text, message):
    with pytest.raises(DataError, match=re.escape(message)):
        stories_parse(text, source="t.yml")


def test_the_command_passes_and_fails_with_a_per_turn_diff(tmp_path, fake_served, monkeypatch, settings, capsys):
    settings.PII_ANONYMIZE = True
    monkeypatch.setattr(evaluate_module, "pipeline_for", lambda **kwargs: fake_served)
    good = tmp_path / "good.yml"
    good.write_text(GOOD)
    call_command("test_conversations", str(good))
    assert "1 stories, 2 turns, 0 failed" in capsys.readouterr().out
    bad = tmp_path / "bad.yml"
    bad.write_text(GOOD.replace('contains: ["3 to 5 working days"]', 'contains: ["10 working days"]'))
    with pytest.raises(CommandError, match="1 failed"):
        call_command("test_conversations", str(bad))
    out = capsys.readouterr().out
    assert "FAIL line 4" in out and "- expected '10 working days'" in out


def test_the_command_reports_a_syntax_error_with_file_and_line(tmp_path, demo_bank):
    bad = tmp_path / "broken.yml"
    bad.write_text("stories:\n  - story: x\n    turns:\n      - user: [unclosed\n")
    with pytest.raises(CommandError, match=re.escape(f"{bad}:5: not valid YAML")):
        call_command("test_conversations", str(bad))
