"""Right to erasure (issue #19): End and forget from the widget, and staff erasing a person by one of their values,
after which nothing of that person remains: no row, no vault entry, no file on disk, no log line written after."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from conversations import roles, services
from conversations.errors import InvalidMessage
from conversations.logfilter import AnonymizingFilter
from conversations.models import Conversation, Intent, Message, PiiErasure, PiiVaultEntry, TrainingExample
from tests.factories import UserFactory
from tests.privacy.dialogues import AGENT_FIRST, AGENT_LAST, AGENT_USERNAME, DIALOGUE, NAME, ORDER, leaked
from tests.privacy.test_no_raw_pii_anywhere import _every_cell

EMAIL = "maria.gonzalez@example.com"
OTHER_EMAIL = "li.wei@example.org"


@pytest.fixture
def folders(tmp_path, settings):
    settings.PII_ANONYMIZE = True
    settings.MODEL_DIR = tmp_path / "models"
    settings.PII_ERASURE_DIRS = [str(tmp_path / "exports")]
    (tmp_path / "exports").mkdir()
    return tmp_path


@pytest.fixture
def officer(db):
    return UserFactory(username="olga.privacy", is_staff=True, groups=[roles.PRIVACY_OFFICERS])


def _conversation(api, lines: list[tuple[str, str]]) -> Conversation:
    created = api.post("/api/v1/conversations/", {}, format="json").json()
    conversation = Conversation.objects.get(public_id=created["id"])
    agent = UserFactory(username=AGENT_USERNAME, first_name=AGENT_FIRST, last_name=AGENT_LAST, is_staff=True, groups=[roles.AGENTS])
    for role, text in lines:
        if role == "agent":
            services.agent_message_post(conversation=conversation, agent=agent, text=text)
        else:
            services.customer_message_receive(conversation=conversation, text=text)
    return conversation


def _files(root, person_texts: list[str], other_text: str) -> dict:
    """What training runs, an index and an export leave on disk: copies of (anonymized) texts, and raw leftovers."""
    run = root / "models" / "intent" / "runs" / "7" / "attempt-1"
    index = root / "models" / "retrieval" / "v3"
    run.mkdir(parents=True)
    index.mkdir(parents=True)
    data = run / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t, "intent": "card_arrival"}) + "\n" for t in [*person_texts, other_text]))
    entries = index / "entries.jsonl"
    entries.write_text("".join(json.dumps({"passage_id": i, "source": "key", "text": t}) + "\n"
                               for i, t in enumerate([other_text, *person_texts, other_text])))
    (index / "meta.json").write_text(json.dumps({"built_from": f"keys incl. a stray {NAME.title()} <{EMAIL}>"}))
    (index / "index.faiss").write_bytes(b"\0\1\2" + NAME.encode() + b"\0" * 64)
    export = root / "exports" / "transcripts.csv"
    export.write_text(f"role,text\ncustomer,{NAME.upper()} {ORDER}\ncustomer,{OTHER_EMAIL}\n")
    return {"data": data, "entries": entries, "meta": index / "meta.json", "faiss": index / "index.faiss", "export": export}


@pytest.mark.django_db
def test_erasing_a_person_leaves_nothing_of_them(anon_api, folders, officer):
    person = _conversation(anon_api, [*DIALOGUE, ("customer", f"and my email is {EMAIL}")])
    other = _conversation(anon_api, [("customer", f"my email is {OTHER_EMAIL}")])
    intent = Intent.objects.create(name="card_arrival")
    first_answer = Message.objects.filter(conversation=person, role=Message.Role.CUSTOMER).order_by("id").first()
    services.message_relabel(message=first_answer, intent=intent, user=officer)
    person_texts = list(Message.objects.filter(conversation=person, role=Message.Role.CUSTOMER).values_list("text", flat=True))
    files = _files(folders, [t for t in person_texts if len(t) >= 12] + [f"raw leftover: {NAME}"], f"customer {OTHER_EMAIL}")
    faiss_before = files["faiss"].read_bytes()
    entries_lines = len(files["entries"].read_text().splitlines())

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(AnonymizingFilter())
    logging.getLogger().addHandler(handler)
    try:
        record = services.person_erase(value=EMAIL.upper(), user=officer, reason="GDPR art. 17 request #42")
        _conversation(anon_api, [("customer", "Is the Leeds branch open on Sundays?")])  # life goes on after the erasure
    finally:
        logging.getLogger().removeHandler(handler)

    assert not Conversation.objects.filter(pk=person.pk).exists()
    assert not PiiVaultEntry.objects.filter(conversation_id=person.pk).exists()
    assert not TrainingExample.objects.filter(text=first_answer.text, message__isnull=True).exists()
    cells = _every_cell()
    assert not leaked(cells) and EMAIL not in cells.casefold(), leaked(cells)
    # Someone else's data stays.
    assert Conversation.objects.filter(pk=other.pk).exists() and other.pii_entries.exclude(ciphertext=None).exists()
    for name, path in files.items():
        if name == "faiss":
            assert path.read_bytes() == faiss_before  # binary: nothing to redact (docs/privacy.md: rebuild the index)
            continue
        text = path.read_text()
        assert not leaked(text) and EMAIL not in text.casefold(), (name, text)
        assert not any(t in text for t in person_texts if len(t) >= 12), (name, text)
    assert OTHER_EMAIL in files["export"].read_text() and OTHER_EMAIL in files["entries"].read_text()
    assert len(files["entries"].read_text().splitlines()) == entries_lines  # row i is still vector i
    json.loads(files["meta"].read_text())  # still valid JSON
    assert not leaked(stream.getvalue()) and EMAIL not in stream.getvalue().casefold()
    assert record.user == officer and record.reason.startswith("GDPR") and record.matched_by == "EMAIL"
    assert record.conversations == 1 and record.messages >= len(DIALOGUE) and record.training_examples == 1
    assert sorted(record.files) == sorted(str(files[k]) for k in ("data", "entries", "meta", "export"))
    assert PiiErasure.objects.count() == 1


@pytest.mark.django_db
def test_erasure_refuses_bad_input_and_people_without_the_permission(folders, officer, agent):
    with pytest.raises(PermissionDenied):
        services.person_erase(value=EMAIL, user=agent)
    for bad in ("", "  ab ", None, 42):
        with pytest.raises(InvalidMessage):
            services.person_erase(value=bad, user=officer)
    assert not PiiErasure.objects.exists()
    with pytest.raises(CommandError, match="at least 3"):
        call_command("erase_personal_data", user=officer.username, reason="test", stdin=io.StringIO("ab\n"))
    with pytest.raises(CommandError, match="No user"):
        call_command("erase_personal_data", user="nobody", reason="test", stdin=io.StringIO(EMAIL))
    client = Client()
    client.force_login(officer)
    page = client.post("/admin/conversations/piierasure/erase/", {"value": "ab", "reason": "x"})
    assert page.status_code == 200 and b"at least 3" in page.content
    client.force_login(agent)
    assert client.get("/admin/conversations/piierasure/erase/").status_code in (302, 403)


@pytest.mark.django_db
def test_the_admin_form_and_the_command_erase_and_record(anon_api, folders, officer):
    first = _conversation(anon_api, [("customer", f"my email is {EMAIL}")])
    client = Client()
    client.force_login(officer)
    response = client.post("/admin/conversations/piierasure/erase/", {"value": EMAIL, "reason": "request by phone"})
    assert response.status_code == 302 and not Conversation.objects.filter(pk=first.pk).exists()
    second = _conversation(anon_api, [("customer", f"my email is {EMAIL}")])
    out = io.StringIO()
    call_command("erase_personal_data", user=officer.username, reason="second request", stdin=io.StringIO(EMAIL + "\n"), stdout=out)
    assert "1 conversation(s)" in out.getvalue() and not Conversation.objects.filter(pk=second.pk).exists()
    assert list(PiiErasure.objects.values_list("reason", flat=True)) == ["second request", "request by phone"]


@pytest.mark.django_db
def test_end_and_forget_from_the_widget(anon_api, settings):
    settings.PII_ANONYMIZE = True
    created = anon_api.post("/api/v1/conversations/", {}, format="json").json()
    url = f"/api/v1/conversations/{created['id']}/"
    anon_api.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    anon_api.post(url + "messages/", {"text": f"my email is {EMAIL}"}, format="json")
    conversation = Conversation.objects.get(public_id=created["id"])
    assert conversation.pii_entries.exclude(ciphertext=None).exists()

    assert anon_api.post(url + "forget/").status_code == 204
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED and conversation.access_token != created["access_token"]
    assert not conversation.pii_entries.exclude(ciphertext=None).exists()
    assert EMAIL not in _every_cell()
    # The old token no longer opens it; forgetting again is refused the same way.
    assert anon_api.get(url + "messages/").status_code == 401
    assert anon_api.post(url + "forget/").status_code == 401
