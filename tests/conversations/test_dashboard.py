"""The admin dashboard: volume per day, containment, escalation, ratings and top intents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations import selectors
from conversations.models import Conversation, Message
from tests.factories import ConversationFactory, IntentFactory, MessageFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "admin:conversations_dashboard"


def make(*, at: dt.datetime, status: str = "with_bot", escalated: bool = False, rating: int | None = None,
         intents: tuple = ()) -> Conversation:
    conversation = ConversationFactory(status=status, rating=rating, escalated_at=at if escalated else None)
    for intent in intents:
        MessageFactory(conversation=conversation, intent=intent, confidence=0.9)
        # The bot's reply carries the intent too; only customer messages count.
        MessageFactory(conversation=conversation, role=Message.Role.BOT, intent=intent)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=at)
    return conversation


@pytest.fixture
def data(db):
    now = timezone.now()
    card, loan, pin = IntentFactory(name="card_arrival"), IntentFactory(name="loan_application"), IntentFactory(name="pin_change")
    make(at=now, status="closed", rating=5, intents=(card, card))  # contained: closed, no agent
    make(at=now, status="closed", escalated=True, rating=3, intents=(loan,))  # closed by an agent
    make(at=now - dt.timedelta(days=2), status="waiting_for_agent", escalated=True, intents=(card, pin))
    make(at=now - dt.timedelta(days=5), status="with_bot", intents=(pin,))
    make(at=now - dt.timedelta(days=5), status="closed", rating=4)  # contained
    # Outside the 14 days: counted nowhere.
    make(at=now - dt.timedelta(days=20), status="closed", escalated=True, rating=1, intents=(loan, loan, loan, loan))
    return now


def test_figures(agent_web, data):
    response = agent_web.get(reverse(DASHBOARD))
    assert response.status_code == 200
    figures = response.context["data"]
    assert figures.total == 5 and figures.closed == 3
    assert figures.containment == pytest.approx(2 / 3)
    assert figures.escalation_rate == pytest.approx(2 / 5)
    assert figures.average_rating == pytest.approx(4.0) and figures.rated == 3
    assert figures.top_intents == [("card_arrival", 3), ("pin_change", 2), ("loan_application", 1)]
    per_day = dict(figures.days)
    today = timezone.localdate(data)
    assert len(figures.days) == 14 and figures.days[-1][0] == today
    assert [d for d, _ in figures.days] == [today - dt.timedelta(days=13 - i) for i in range(14)]
    assert per_day[today] == 2 and per_day[today - dt.timedelta(days=2)] == 1 and per_day[today - dt.timedelta(days=5)] == 2
    assert sum(per_day.values()) == figures.total

    html = response.content.decode()
    assert "67 %" in html and "40 %" in html and "4.00" in html and "(3 rated)" in html
    assert html.index("card_arrival") < html.index("pin_change") < html.index("loan_application")


def test_empty(agent_web):
    response = agent_web.get(reverse(DASHBOARD))
    figures = response.context["data"]
    assert (figures.total, figures.containment, figures.escalation_rate, figures.average_rating) == (0, None, None, None)
    assert sum(n for _, n in figures.days) == 0
    assert "No classified messages yet." in response.content.decode()


def test_window_starts_at_midnight_of_the_first_day():
    now = dt.datetime(2025, 3, 15, 10, 0, tzinfo=dt.UTC)
    first_day = dt.date(2025, 3, 2)
    make(at=dt.datetime(2025, 3, 2, 0, 30, tzinfo=dt.UTC))  # first day of the window
    make(at=dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC))  # the day before: outside
    make(at=dt.datetime(2025, 3, 1, 11, 0, tzinfo=dt.UTC))  # less than 14x24 hours ago, but on the day before
    make(at=dt.datetime(2025, 3, 15, 9, 0, tzinfo=dt.UTC), status="closed")
    figures = selectors.dashboard(now=now)
    assert figures.days[0] == (first_day, 1) and figures.days[-1] == (dt.date(2025, 3, 15), 1)
    assert figures.total == sum(n for _, n in figures.days) == 2
    assert figures.closed == 1 and figures.containment == 1.0


def test_access(client, viewer_web_factory):
    assert client.get(reverse(DASHBOARD)).status_code == 302
    assert viewer_web_factory([]).get(reverse(DASHBOARD)).status_code == 403
    assert viewer_web_factory(["view_conversation"]).get(reverse(DASHBOARD)).status_code == 200


def test_staff_and_superuser_see_it(staff_web, superuser_web):
    assert staff_web.get(reverse(DASHBOARD)).status_code == 200
    assert superuser_web.get(reverse(DASHBOARD)).status_code == 200


@pytest.fixture
def viewer_web_factory(db):
    from django.contrib.auth.models import Permission
    from django.test import Client

    from tests.factories import UserFactory

    def build(codenames: list[str]) -> Client:
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="conversations", codename__in=codenames))
        client = Client()
        client.force_login(user)
        return client

    return build
