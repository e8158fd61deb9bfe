"""REST API: conversations, messages, authentication, filters, throttling and the error envelope."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from conversations import services
from conversations.bot.pipeline import DEFAULT_HANDOFF_MESSAGE
from conversations.models import Conversation, Message
from tests.conversations.conftest import ANSWER_CHUNKS
from tests.factories import ConversationFactory, IntentFactory, MessageFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/conversations/"


def url(conversation: Conversation, suffix: str = "") -> str:
    return f"/api/v1/conversations/{conversation.public_id}/{suffix}"


def assert_error(response, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


# --- starting a conversation --------------------------------------------------------------------------


class TestCreate:
    def test_anyone_can_start_one_and_gets_the_token_once(self, anon_api):
        response = anon_api.post(LIST, {}, format="json")
        assert response.status_code == 201
        body = response.json()
        conversation = Conversation.objects.get(public_id=body["id"])
        assert body["access_token"] == conversation.access_token
        assert body["status"] == "with_bot" and body["channel"] == "api"
        # The token works, and is never shown again.
        customer = APIClient()
        customer.credentials(HTTP_AUTHORIZATION=f"Conversation {body['access_token']}")
        detail = customer.get(url(conversation))
        assert detail.status_code == 200
        assert "access_token" not in detail.json()
        assert body["access_token"] not in detail.content.decode()

    def test_channel_can_be_chosen(self, anon_api):
        assert anon_api.post(LIST, {"channel": "widget"}, format="json").json()["channel"] == "widget"

    def test_unknown_channel(self, anon_api):
        error = assert_error(anon_api.post(LIST, {"channel": "fax"}, format="json"), 400, "validation_error")
        assert "channel" in error["details"]
        assert not Conversation.objects.exists()

    def test_malformed_json(self, anon_api):
        response = anon_api.post(LIST, data="{not json", content_type="application/json")
        assert_error(response, 400, "parse_error")
        assert not Conversation.objects.exists()


# --- authentication and access ------------------------------------------------------------------------


class TestAccess:
    def test_customer_reads_own_conversation_only(self, customer_a, customer_b, customer_a_api):
        assert customer_a_api.get(url(customer_a)).status_code == 200
        assert customer_a_api.get(url(customer_a, "messages/")).status_code == 200
        assert_error(customer_a_api.get(url(customer_b)), 403, "permission_denied")
        assert_error(customer_a_api.get(url(customer_b, "messages/")), 403)
        assert_error(customer_a_api.post(url(customer_b, "messages/"), {"text": "hi"}, format="json"), 403)
        assert_error(customer_a_api.post(url(customer_b, "close/")), 403)
        assert_error(customer_a_api.post(url(customer_b, "rate/"), {"rating": 1}, format="json"), 403)
        customer_b.refresh_from_db()
        assert customer_b.status == "with_bot" and customer_b.rating is None and not customer_b.messages.exists()

    def test_customer_cannot_list_conversations_or_content(self, customer_a_api):
        assert_error(customer_a_api.get(LIST), 403)
        assert_error(customer_a_api.get("/api/v1/intents/"), 403)
        assert_error(customer_a_api.post("/api/v1/intents/", {"name": "x"}, format="json"), 403)

    def test_anonymous_needs_credentials(self, anon_api, customer_a):
        assert_error(anon_api.get(LIST), 401, "not_authenticated")
        assert_error(anon_api.get(url(customer_a)), 401)
        assert_error(anon_api.post(url(customer_a, "messages/"), {"text": "hi"}, format="json"), 401)
        assert not customer_a.messages.exists()

    @pytest.mark.parametrize("header", ["Conversation not-a-real-token", "Conversation", "Conversation a b", "Token nope"])
    def test_invalid_credentials(self, customer_a, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get(url(customer_a))
        assert_error(response, 401, "authentication_failed")
        assert response.has_header("WWW-Authenticate")

    def test_invalid_token_is_refused_even_on_public_endpoints(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Conversation forged")
        assert_error(client.post(LIST, {}, format="json"), 401)

    def test_integrator_and_staff_tokens_and_agent_session(self, integrator_api, staff_api, agent_api, customer_a):
        for client in (integrator_api, staff_api, agent_api):
            assert client.get(LIST).status_code == 200
            assert client.get(url(customer_a)).status_code == 200

    def test_only_permitted_users_post_messages_or_close(self, agent_api, staff_api, integrator_api, customer_a):
        # Agents reply in the admin; they do not speak as the customer nor close through the API.
        assert_error(agent_api.post(url(customer_a, "messages/"), {"text": "hi"}, format="json"), 403)
        assert_error(agent_api.post(url(customer_a, "close/")), 403)
        assert_error(staff_api.post(url(customer_a, "messages/"), {"text": "hi"}, format="json"), 403)
        assert integrator_api.post(url(customer_a, "messages/"), {"text": "hi"}, format="json").status_code == 201
        assert staff_api.post(url(customer_a, "close/")).status_code == 200

    def test_user_without_permissions(self, customer_a):
        from rest_framework.authtoken.models import Token

        from tests.factories import UserFactory

        nobody = UserFactory()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=nobody).key}")
        assert_error(client.get(LIST), 403)
        assert_error(client.get(url(customer_a)), 403)

    @pytest.mark.parametrize("suffix", ["", "messages/", "close/", "rate/"])
    def test_unknown_conversation(self, integrator_api, suffix):
        missing = f"/api/v1/conversations/{uuid.uuid4()}/{suffix}"
        response = integrator_api.get(missing) if suffix in ("", "messages/") else integrator_api.post(missing, {"rating": 3}, format="json")
        assert_error(response, 404, "not_found")

    def test_malformed_conversation_id(self, integrator_api):
        assert_error(integrator_api.get("/api/v1/conversations/not-a-uuid/"), 404, "not_found")
        assert_error(integrator_api.get("/api/v1/no-such-endpoint/"), 404, "not_found")

    def test_pages_outside_the_api_keep_the_html_404(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")

    def test_wrong_method(self, customer_a_api, customer_a):
        assert_error(customer_a_api.delete(url(customer_a)), 405, "method_not_allowed")


# --- messages -----------------------------------------------------------------------------------------


class TestMessages:
    def test_customer_message_is_answered(self, bot, customer_a, customer_a_api):
        response = customer_a_api.post(url(customer_a, "messages/"), {"text": "Where is my card?", "client_message_id": "m-1"},
                                       format="json")
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"message", "reply", "conversation"}
        assert body["message"]["role"] == "customer" and body["message"]["text"] == "Where is my card?"
        assert body["message"]["client_message_id"] == "m-1"
        assert body["message"]["intent"] == "card_arrival" and body["message"]["confidence"] == pytest.approx(0.93)
        reply = body["reply"]
        assert reply["role"] == "bot" and reply["text"] == "".join(ANSWER_CHUNKS) and reply["reply_to"] == body["message"]["id"]
        assert reply["sources"][0]["title"] == "Card delivery"
        assert reply["model_versions"] == {"intent": 7, "retrieval_index": 4, "responder": 2}
        assert body["conversation"]["id"] == str(customer_a.public_id) and body["conversation"]["status"] == "with_bot"

    def test_resend_with_same_client_id_is_answered_once(self, bot, customer_a, customer_a_api):
        payload = {"text": "Where is my card?", "client_message_id": "m-1"}
        first = customer_a_api.post(url(customer_a, "messages/"), payload, format="json")
        second = customer_a_api.post(url(customer_a, "messages/"), payload, format="json")
        assert first.status_code == 201 and second.status_code == 200
        assert second.json()["message"]["id"] == first.json()["message"]["id"]
        assert second.json()["reply"]["id"] == first.json()["reply"]["id"]
        assert customer_a.messages.count() == 2 and len(bot.classifier.seen) == 1

    def test_fresh_install_hands_off(self, customer_a, customer_a_api):
        body = customer_a_api.post(url(customer_a, "messages/"), {"text": "hello"}, format="json").json()
        assert body["reply"]["role"] == "system" and body["reply"]["text"] == DEFAULT_HANDOFF_MESSAGE
        assert body["conversation"]["status"] == "waiting_for_agent" and body["conversation"]["escalated_at"]
        again = customer_a_api.post(url(customer_a, "messages/"), {"text": "still there?"}, format="json")
        assert again.status_code == 201 and again.json()["reply"] is None

    @pytest.mark.parametrize(
        ("payload", "fragment"),
        [
            ({"text": ""}, "blank"),
            ({"text": "   "}, "blank"),
            ({}, "required"),
            ({"text": "x" * 2001}, "2000"),
            ({"text": "hi", "client_message_id": "x" * 65}, "64"),
            ({"text": "hi", "client_message_id": ""}, "blank"),
        ],
        ids=["empty", "whitespace", "missing", "oversized", "long-client-id", "blank-client-id"],
    )
    def test_bad_messages_are_refused_and_nothing_is_stored(self, bot, customer_a, customer_a_api, payload, fragment):
        error = assert_error(customer_a_api.post(url(customer_a, "messages/"), payload, format="json"), 400, "validation_error")
        assert fragment in error["message"]
        assert set(error["details"]) <= {"text", "client_message_id"} and error["details"]
        assert not Message.objects.exists()
        assert bot.classifier.seen == []

    def test_message_at_the_limit(self, customer_a, customer_a_api):
        response = customer_a_api.post(url(customer_a, "messages/"), {"text": "y" * 2000}, format="json")
        assert response.status_code == 201 and len(response.json()["message"]["text"]) == 2000

    def test_malformed_json_message(self, customer_a, customer_a_api):
        response = customer_a_api.post(url(customer_a, "messages/"), data='{"text": "unterminated', content_type="application/json")
        assert_error(response, 400, "parse_error")
        assert not Message.objects.exists()

    def test_closed_conversation(self, customer_a, customer_a_api):
        assert customer_a_api.post(url(customer_a, "close/")).json()["status"] == "closed"
        error = assert_error(customer_a_api.post(url(customer_a, "messages/"), {"text": "hi"}, format="json"), 409,
                             "conversation_closed")
        assert "closed" in error["message"]
        assert not Message.objects.exists()

    def test_list_messages_in_order(self, customer_a, customer_a_api, staff_api):
        for text in ("one", "two", "three"):
            MessageFactory(conversation=customer_a, text=text)
        for client in (customer_a_api, staff_api):
            body = client.get(url(customer_a, "messages/")).json()
            assert [m["text"] for m in body] == ["one", "two", "three"]

    def test_detail_has_the_transcript(self, customer_a, customer_a_api, agent):
        MessageFactory(conversation=customer_a, text="question", intent=IntentFactory(name="card_arrival"), confidence=0.42)
        services.agent_message_post(conversation=customer_a, agent=agent, text="answer")
        body = customer_a_api.get(url(customer_a)).json()
        assert body["status"] == "with_agent" and body["assigned_agent"] == agent.username
        assert [(m["role"], m["text"], m["intent"]) for m in body["messages"]] == [
            ("customer", "question", "card_arrival"), ("agent", "answer", None)
        ]
        assert body["messages"][0]["confidence"] == pytest.approx(0.42)


# --- close and rate -----------------------------------------------------------------------------------


class TestCloseAndRate:
    def test_customer_closes_then_rates(self, customer_a, customer_a_api):
        closed = customer_a_api.post(url(customer_a, "close/"))
        assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_at"]
        rated = customer_a_api.post(url(customer_a, "rate/"), {"rating": 4}, format="json")
        assert rated.status_code == 200 and rated.json()["rating"] == 4
        customer_a.refresh_from_db()
        assert customer_a.rating == 4

    def test_closing_twice_conflicts(self, customer_a, customer_a_api):
        customer_a_api.post(url(customer_a, "close/"))
        assert_error(customer_a_api.post(url(customer_a, "close/")), 409, "invalid_transition")

    @pytest.mark.parametrize("rating", [0, 6, "x", "", None, 2.5])
    def test_bad_ratings(self, customer_a, customer_a_api, rating):
        error = assert_error(customer_a_api.post(url(customer_a, "rate/"), {"rating": rating}, format="json"), 400,
                             "validation_error")
        assert error["message"].startswith("rating:")
        customer_a.refresh_from_db()
        assert customer_a.rating is None

    def test_missing_rating(self, customer_a, customer_a_api):
        assert_error(customer_a_api.post(url(customer_a, "rate/"), {}, format="json"), 400)


# --- list, filters and pagination ---------------------------------------------------------------------


@pytest.fixture
def population(db):
    """Five conversations that each filter picks out differently."""
    card, loan = IntentFactory(name="card_arrival"), IntentFactory(name="loan_application")
    now = timezone.now()

    def make(status, *, days_ago, confidences, intent=None, escalated=False, rating=None, text="hello"):  # noqa: ANN001,ANN202
        conversation = ConversationFactory(status=status, rating=rating, escalated_at=now if escalated else None)
        for confidence in confidences:
            MessageFactory(conversation=conversation, intent=intent, confidence=confidence, text=text)
        MessageFactory(conversation=conversation, role=Message.Role.BOT, confidence=0.01, text="bot says")  # ignored by bands
        Conversation.objects.filter(pk=conversation.pk).update(created_at=now - dt.timedelta(days=days_ago))
        return conversation

    return {
        "high": make("with_bot", days_ago=1, confidences=[0.95, 0.9], intent=card, rating=5, text="my card is late"),
        "medium": make("closed", days_ago=3, confidences=[0.6, 0.99], intent=card, rating=2),
        "low": make("waiting_for_agent", days_ago=5, confidences=[0.3], intent=loan, escalated=True, text="LOAN please"),
        "unclassified": make("with_agent", days_ago=10, confidences=[None], escalated=True),
        "empty": make("with_bot", days_ago=0, confidences=[]),
    }


def _ids(response) -> set[str]:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _pick(population, *names) -> set[str]:  # noqa: ANN001
    return {str(population[n].public_id) for n in names}


class TestListFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", ["high", "medium", "low", "unclassified", "empty"]),
            ("status=closed", ["medium"]),
            ("status=with_bot", ["high", "empty"]),
            ("intent=card_arrival", ["high", "medium"]),
            ("intent=loan_application", ["low"]),
            ("confidence=high", ["high"]),
            ("confidence=medium", ["medium"]),
            ("confidence=low", ["low"]),
            ("escalated=true", ["low", "unclassified"]),
            ("escalated=false", ["high", "medium", "empty"]),
            ("rating=5", ["high"]),
            ("rating=2", ["medium"]),
            ("q=loan", ["low"]),
            ("q=CARD+IS", ["high"]),
            ("intent=card_arrival&confidence=high", ["high"]),
            ("intent=card_arrival&q=hello", ["medium"]),
        ],
    )
    def test_filters(self, integrator_api, population, query, expected):
        assert _ids(integrator_api.get(f"{LIST}?{query}")) == _pick(population, *expected)

    def test_date_range(self, integrator_api, population):
        now = timezone.now()
        after = (now - dt.timedelta(days=4)).isoformat()
        before = (now - dt.timedelta(days=2)).isoformat()
        assert _ids(integrator_api.get(LIST, {"created_after": after})) == _pick(population, "high", "medium", "empty")
        assert _ids(integrator_api.get(LIST, {"created_before": before})) == _pick(population, "medium", "low", "unclassified")
        assert _ids(integrator_api.get(LIST, {"created_after": after, "created_before": before})) == _pick(population, "medium")

    @pytest.mark.parametrize("query", ["status=open", "confidence=extreme", "created_after=yesterday", "rating=x"])
    def test_bad_filter_values(self, integrator_api, population, query):
        assert_error(integrator_api.get(f"{LIST}?{query}"), 400, "validation_error")

    def test_filters_do_not_duplicate_rows_or_inflate_counts(self, integrator_api, population):
        body = integrator_api.get(f"{LIST}?intent=card_arrival&q=card").json()
        assert body["count"] == 1 and len(body["results"]) == 1

    def test_newest_first_with_limit_offset(self, integrator_api, population):
        first = integrator_api.get(LIST, {"limit": 2}).json()
        assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
        assert "offset=2" in first["next"]
        rest = integrator_api.get(LIST, {"limit": 2, "offset": 2}).json()
        last = integrator_api.get(LIST, {"limit": 2, "offset": 4}).json()
        assert last["next"] is None and len(last["results"]) == 1
        order = [r["id"] for r in first["results"] + rest["results"] + last["results"]]
        assert order == [str(population[n].public_id) for n in ("empty", "high", "medium", "low", "unclassified")]

    def test_list_never_shows_tokens(self, integrator_api, population):
        content = integrator_api.get(LIST).content.decode()
        assert "access_token" not in content
        assert all(c.access_token not in content for c in population.values())


# --- throttling ---------------------------------------------------------------------------------------


@pytest.fixture
def tight_rates(monkeypatch):
    # The throttle reads its rates once, at import: patch them rather than the settings.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_create": "3/min", "public_message": "2/min"})


class TestThrottling:
    def test_starting_conversations_is_rate_limited(self, anon_api, tight_rates):
        codes = [anon_api.post(LIST, {}, format="json").status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        assert Conversation.objects.count() == 3
        error = assert_error(anon_api.post(LIST, {}, format="json"), 429, "throttled")
        assert "available in" in error["message"]

    def test_rate_is_per_client_address(self, tight_rates):
        one, two = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
        assert [one.post(LIST, {}, format="json").status_code for _ in range(4)][-1] == 429
        assert two.post(LIST, {}, format="json").status_code == 201

    def test_messages_are_rate_limited_per_conversation(self, tight_rates, customer_a, customer_a_api, customer_b_api, customer_b):
        codes = [customer_a_api.post(url(customer_a, "messages/"), {"text": f"m{n}"}, format="json").status_code for n in range(3)]
        assert codes == [201, 201, 429]
        assert customer_a.messages.filter(role="customer").count() == 2
        # Another customer is not slowed down by the first one.
        assert customer_b_api.post(url(customer_b, "messages/"), {"text": "hi"}, format="json").status_code == 201

    def test_reading_is_not_throttled(self, tight_rates, customer_a, customer_a_api):
        assert all(customer_a_api.get(url(customer_a, "messages/")).status_code == 200 for _ in range(5))

    def test_test_settings_raise_the_rates(self):
        from django.conf import settings

        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        assert set(rates) == {"public_create", "public_message"}
        assert ScopedRateThrottle.THROTTLE_RATES == rates
