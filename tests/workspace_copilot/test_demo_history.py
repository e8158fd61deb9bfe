"""The demo's past conversations: loaded through the privacy path and the services, dated over the last two
weeks, populating the dashboard, the queues, ratings, tags, notes and the unanswered-questions report; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from conversations import selectors
from conversations.demo import demo_conversations_load, demo_data_load
from conversations.models import AgentNote, Conversation, Message, PiiVaultEntry, Tag
from training.insights.report import report_period, unanswered_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PII_ANONYMIZE = True
    demo_data_load()
    call_command("create_demo_users", password="demo-password-1", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_past_conversations_fill_the_dashboard_queue_and_report(demo):
    now = timezone.now()
    result = demo_conversations_load(now=now)
    assert result.loaded >= 30 and result.skipped == 0
    past = Conversation.objects.all()
    assert past.filter(created_at__lt=now - dt.timedelta(days=12)).exists()
    assert not past.filter(created_at__lt=now - dt.timedelta(days=14)).exists()
    board = selectors.dashboard(now=now)
    assert board.total == past.count() and board.rated >= 15 and 0 < board.escalation_rate < 1 and board.containment
    statuses = set(past.values_list("status", flat=True))
    assert {"closed", "waiting_for_agent", "with_agent"} <= statuses
    assert Tag.objects.filter(name="product gap").exists() and AgentNote.objects.count() >= 5
    assert past.exclude(rating_comment="").count() >= 8
    # Anonymized on the way in: the demo's phone numbers and e-mail addresses are placeholders with vault entries.
    texts = " ".join(Message.objects.values_list("text", flat=True))
    assert "jordan.fisher@example.com" not in texts and "07700 900123" not in texts
    assert PiiVaultEntry.objects.filter(entity_type__in=["EMAIL", "EMAIL_ADDRESS"]).exists()
    # The unanswered questions form clusters (crypto, insurance, mortgages, joint accounts) for the report.
    report = unanswered_report(period=report_period())
    assert report.questions >= 12 and sum(1 for c in report.clusters if c.size >= 2) >= 3

    again = demo_conversations_load(now=now)
    assert again.loaded == 0 and again.skipped == result.loaded and Conversation.objects.count() == past.count()
