"""The vault: encrypted originals, audited reveals by permission only, purge, key rotation."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conversations import roles, services, vault
from conversations.models import PiiRevealLog, PiiVaultEntry
from conversations.privacy import anonymize_text
from tests.factories import ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "olga.petrova@example.org"


@pytest.fixture
def officer():
    return UserFactory(username="olive.officer", is_staff=True, groups=[roles.PRIVACY_OFFICERS])


@pytest.fixture
def entry() -> PiiVaultEntry:
    conversation = ConversationFactory()
    anonymize_text(f"write to {EMAIL}", conversation=conversation)
    return PiiVaultEntry.objects.get(conversation=conversation)


def test_original_is_stored_encrypted(entry):
    assert entry.placeholder == "<EMAIL_1>" and entry.entity_type == "EMAIL"
    assert EMAIL.encode() not in bytes(entry.ciphertext)
    assert vault.fernet().decrypt(bytes(entry.ciphertext)).decode() == EMAIL


def test_reveal_needs_the_permission_and_is_audited(entry, officer, agent, staff):
    for user in (agent, staff):
        with pytest.raises(PermissionDenied):
            vault.vault_reveal(entry=entry, user=user, reason="curious")
    assert not PiiRevealLog.objects.exists()
    assert vault.vault_reveal(entry=entry, user=officer, reason="customer asked for a copy") == EMAIL
    log = PiiRevealLog.objects.get()
    assert (log.user, log.entry, log.reason) == (officer, entry, "customer asked for a copy")


def test_reveal_from_admin_asks_for_a_reason_then_logs(entry, officer):
    from django.test import Client

    client = Client()
    client.force_login(officer)
    url = "/admin/conversations/piivaultentry/"
    asked = client.post(url, {"action": "reveal", "_selected_action": [entry.pk]})
    assert asked.status_code == 200 and b"Reason" in asked.content and EMAIL.encode() not in asked.content
    shown = client.post(url, {"action": "reveal", "_selected_action": [entry.pk], "apply": "1", "reason": "dispute"})
    assert EMAIL.encode() in shown.content
    assert PiiRevealLog.objects.filter(user=officer, reason="dispute").count() == 1


def test_agents_do_not_see_the_vault_in_admin(entry, agent_web):
    assert agent_web.get("/admin/conversations/piivaultentry/").status_code == 403


def test_purge_erases_expired_originals_and_numbering_continues(entry):
    conversation = entry.conversation
    assert vault.vault_purge_expired() == 0
    purged = vault.vault_purge_expired(now=timezone.now() + dt.timedelta(days=31))
    assert purged == 1
    entry.refresh_from_db()
    assert entry.ciphertext is None and entry.purged_at is not None
    # A new address after the purge never reuses <EMAIL_1>.
    assert anonymize_text("and new.address@example.org", conversation=conversation) == "and <EMAIL_2>"


def test_purge_command(entry, settings):
    from django.core.management import call_command

    PiiVaultEntry.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_pii")
    assert PiiVaultEntry.objects.get().ciphertext is None


def test_key_rotation_reencrypts_with_the_newest_key(settings):
    old = Fernet.generate_key().decode()
    settings.PII_VAULT_KEYS = [old]
    vault._fernet.cache_clear()
    anonymize_text("mail x.y@example.net", conversation=ConversationFactory())
    new = Fernet.generate_key().decode()
    settings.PII_VAULT_KEYS = [new, old]
    assert vault.vault_rotate_keys() >= 1
    settings.PII_VAULT_KEYS = [new]
    values = [vault.fernet().decrypt(bytes(e.ciphertext)).decode() for e in PiiVaultEntry.objects.filter(ciphertext__isnull=False)]
    assert "x.y@example.net" in values
    vault._fernet.cache_clear()


def test_placeholders_are_consistent_across_messages_and_roles(agent):
    conversation = ConversationFactory()
    first = services.customer_message_receive(conversation=conversation, text=f"I am at {EMAIL}")
    services.conversation_assign(conversation=conversation, agent=agent)
    reply = services.agent_message_post(conversation=conversation, agent=agent, text=f"We'll write to {EMAIL.upper()}")
    assert first.message.text == "I am at <EMAIL_1>"
    assert reply.text == "We'll write to <EMAIL_1>"
    assert PiiVaultEntry.objects.filter(conversation=conversation).count() == 1


def test_literal_placeholder_typed_by_customer_is_not_confused():
    conversation = ConversationFactory()
    text = anonymize_text(f"my address is <EMAIL_1> no really {EMAIL}", conversation=conversation)
    assert text == "my address is [EMAIL_1] no really <EMAIL_1>"


def test_import_and_examples_are_anonymized(staff_api):
    csv = f"text,label\nsend it to {EMAIL},contact_change\nmy card is 4111 1111 1111 1111,card_issue\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = staff_api.post("/api/v1/examples/import/", {"file": SimpleUploadedFile("x.csv", csv.encode())}, format="multipart")
    assert response.status_code == 201, response.content
    from conversations.models import TrainingExample

    texts = set(TrainingExample.objects.values_list("text", flat=True))
    assert texts == {"send it to <EMAIL_1>", "my card is <CARD_1>"}
    assert PiiVaultEntry.objects.filter(source="import").count() == 2
