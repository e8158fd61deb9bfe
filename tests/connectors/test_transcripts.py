"""Transcript import: CSV and JSONL through the anonymizer, all or nothing per file with line numbers; the
conversations become responder training pairs and their unanswered questions count in the report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from connectors.models import ImportedTranscript
from connectors.transcripts import transcripts_import
from conversations.bot.types import Source
from conversations.errors import ImportFailed
from conversations.models import Conversation, HandoffReason, Message, PiiVaultEntry
from conversations.selectors import unanswered_questions
from tests.factories import IntentFactory, KnowledgeArticleFactory, TrainingExampleFactory
from training.responder.pairs import responder_pairs_from_db

CSV = b"""conversation_id,role,text,timestamp
t-1,customer,"My card has not arrived, write to olga.petrova@example.org",2026-01-05T10:00:00Z
t-1,agent,A new card arrives in 3-5 working days after you order it.,2026-01-05T10:02:00Z
t-2,customer,Can I open a pension with you?,2026-01-06T09:00:00+01:00
t-2,customer,Hello?,1767690000
"""
IMPORT_URL = "/api/v1/connectors/transcript-imports/"


@pytest.mark.django_db
def test_a_csv_becomes_closed_anonymized_conversations_with_their_times():
    result = transcripts_import(name="history.csv", data=CSV)
    assert (result.rows, result.conversations, result.skipped, result.unanswered) == (4, 2, 0, 2)
    first = ImportedTranscript.objects.get(external_id="t-1").conversation
    assert (first.channel, first.status) == (Conversation.Channel.IMPORT, Conversation.Status.CLOSED)
    customer, agent = first.messages.order_by("created_at", "id")
    assert "olga.petrova@example.org" not in customer.text and "<EMAIL_1>" in customer.text
    assert PiiVaultEntry.objects.filter(conversation=first, placeholder="<EMAIL_1>").exists()
    assert customer.created_at == dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC) and agent.role == Message.Role.AGENT
    assert first.created_at == customer.created_at and first.closed_at == agent.created_at and first.handoff_reason == ""
    second = ImportedTranscript.objects.get(external_id="t-2").conversation
    assert second.handoff_reason == HandoffReason.UNANSWERED
    assert [m.role for m in second.messages.order_by("created_at", "id")] == ["customer", "system", "customer", "system"]


@pytest.mark.django_db
def test_unanswered_imported_questions_count_in_the_unanswered_questions_report():
    transcripts_import(name="history.csv", data=CSV)
    found = unanswered_questions(since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), until=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), limit=10)
    assert sorted(q.text for q in found) == ["Can I open a pension with you?", "Hello?"]
    assert {q.reason for q in found} == {HandoffReason.UNANSWERED}


@pytest.mark.django_db
def test_an_imported_agent_answer_becomes_a_responder_training_pair():
    intent = IntentFactory(name="card_arrival")
    article = KnowledgeArticleFactory(title="Card delivery", body="A new card arrives in 3-5 working days after you order it.", intents=[intent])
    TrainingExampleFactory(intent=intent, text="where is my new card")
    transcripts_import(name="history.csv", data=CSV)

    def retrieve(*, text: str, history: list, intent: str | None) -> list[Source]:
        return [Source(article_id=article.pk, title=article.title, url="", score=0.9, passage=article.body)]

    pairs = [p for p in responder_pairs_from_db(retrieve=retrieve) if p.source == "conversation"]
    assert len(pairs) == 1
    assert pairs[0].input.question.startswith("My card has not arrived") and "<EMAIL_1>" in pairs[0].input.question
    assert "3-5 working days" in pairs[0].reply and pairs[0].gold_article_ids == (article.pk,)


@pytest.mark.django_db
def test_jsonl_is_read_too_and_a_reimport_of_the_same_file_adds_nothing():
    lines = [{"conversation_id": 7, "role": "user", "text": "Is there a fee for paying abroad?", "timestamp": "2026-02-01T08:00:00"},
             {"conversation_id": 7, "role": "assistant", "text": "Paying abroad costs 2.5 percent.", "timestamp": "2026-02-01T08:00:05"}]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    assert transcripts_import(name="bot.jsonl", data=data).conversations == 1
    again = transcripts_import(name="bot.jsonl", data=data)
    assert (again.conversations, again.skipped) == (0, 1) and Conversation.objects.count() == 1
    assert list(Message.objects.values_list("role", flat=True).order_by("id")) == ["customer", "bot"]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "name", "expected"), [
    (CSV + b"t-3,robot,hi,2026-01-07T10:00:00Z\nt-3,customer,,2026-01-07T10:00:00Z\nt-3,customer,hi,yesterday\n", "bad.csv",
     ["line 6: role 'robot' is not one of customer, agent, bot", "line 7: missing text", "line 8: timestamp 'yesterday'"]),
    (b"conversation_id,role,text\n1,customer,hi\n", "nots.csv", ["line 1: columns found: conversation_id, role, text"]),
    (b'{"conversation_id": 1, "role": "customer", "text": "hi", "timestamp": 1}\n{not json\n[1, 2]\n', "bad.jsonl",
     ["line 2: not JSON", "line 3: not an object"]),
    (b"\xff\xfe broken", "binary.csv", ["byte 0: not UTF-8"]),
])
def test_a_bad_file_imports_nothing_and_names_each_bad_line(data, name, expected):
    with pytest.raises(ImportFailed) as failure:
        transcripts_import(name=name, data=data)
    for start in expected:
        assert any(e.startswith(start) for e in failure.value.errors), (start, failure.value.errors)
    assert not Conversation.objects.exists() and not Message.objects.exists()


@pytest.mark.django_db
def test_the_command_imports_each_file_and_reports_the_bad_one(tmp_path, capsys):
    (tmp_path / "good.csv").write_bytes(CSV)
    (tmp_path / "bad.csv").write_bytes(b"conversation_id,role,text,timestamp\nx,customer,hi,not-a-time\n")
    with pytest.raises(CommandError, match=r"bad.csv: 1 bad line\(s\)[\s\S]*line 2: timestamp"):
        call_command("import_transcripts", str(tmp_path / "good.csv"), str(tmp_path / "bad.csv"))
    assert "good.csv: 2 conversation(s) from 4 line(s)" in capsys.readouterr().out
    assert ImportedTranscript.objects.count() == 2


@pytest.mark.django_db
def test_the_rest_upload_needs_the_import_permission_and_answers_the_error_shape(staff_api, agent_api):
    upload = SimpleUploadedFile("history.csv", CSV, content_type="text/csv")
    assert agent_api.post(IMPORT_URL, {"file": upload}, format="multipart").status_code == 403
    upload.seek(0)
    done = staff_api.post(IMPORT_URL, {"file": upload}, format="multipart")
    assert done.status_code == 201 and done.json() == {"rows": 4, "conversations": 2, "skipped": 0, "unanswered": 2}
    bad = staff_api.post(IMPORT_URL, {"file": SimpleUploadedFile("b.csv", b"conversation_id,role,text,timestamp\n1,bot,,1\n")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["error"]["details"]["errors"] == ["line 2: missing text"]


@pytest.mark.django_db
def test_the_admin_upload_page_imports_for_staff_and_refuses_agents(staff_web, agent_web):
    assert agent_web.get("/admin/connectors/importedtranscript/upload/").status_code == 403
    response = staff_web.post("/admin/connectors/importedtranscript/upload/", {"file": SimpleUploadedFile("history.csv", CSV)})
    assert response.status_code == 302 and ImportedTranscript.objects.count() == 2


@pytest.mark.django_db
def test_text_a_database_cannot_hold_is_a_bad_line():
    data = (json.dumps({"conversation_id": 1, "role": "customer", "text": "hi \ud800", "timestamp": 1}) + "\n").encode()
    with pytest.raises(ImportFailed) as failure:
        transcripts_import(name="s.jsonl", data=data)
    assert failure.value.errors == ["line 1: text or conversation_id holds an unpaired surrogate"]
