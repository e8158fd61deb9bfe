"""manage.py chat: what it prints per turn, and that it keeps nothing."""

from __future__ import annotations

import io

from django.core.management import call_command

from conversations.models import Conversation
from training.evaluation import evaluate as evaluate_module


def test_each_turn_shows_intent_passages_tier_citations_handoff_and_ttft(fake_served, monkeypatch, settings, capsys):
    settings.PII_ANONYMIZE = False
    monkeypatch.setattr(evaluate_module, "pipeline_for", lambda **kwargs: fake_served)
    monkeypatch.setattr("sys.stdin", io.StringIO("when will my card come?\nand abroad, for my card?\nget me a person\n/quit\n"))
    call_command("chat")
    out = capsys.readouterr().out
    assert "intent: card_arrival (confidence 0.900)" in out
    assert "*[1] 0.900 When will my card arrive?" in out and "tier: extractive; cites: [1]" in out
    assert "would hand off: no" in out and "would hand off: yes (customer_request)" in out
    assert "time to first token:" in out
    # The follow-up reached the pipeline with the first message as history.
    assert [t.text for t in fake_served.retriever.calls[1]["history"]] == ["when will my card come?"]
    assert not Conversation.objects.exists()
