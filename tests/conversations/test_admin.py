"""Transcript review in the admin: who may see and change what, filters, the conversation page,
relabelling and the agent actions."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conversations import services
from conversations.models import Conversation, Intent, KnowledgeArticle, Message, TrainingExample
from tests.factories import ConversationFactory, IntentFactory, KnowledgeArticleFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/conversations/conversation/"
MESSAGES = "/admin/conversations/message/"


def change_url(conversation: Conversation) -> str:
    return reverse("admin:conversations_conversation_change", args=[conversation.pk])


def action_url(conversation: Conversation, action: str) -> str:
    return reverse("admin:conversations_agent_action", args=[conversation.pk, action])


def relabel_url(message: Message) -> str:
    return reverse("admin:conversations_message_relabel", args=[message.pk])


def flash(response) -> str:  # noqa: ANN001
    """The latest message the admin queued for the user (earlier ones stay queued until shown)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


@pytest.fixture
def viewer(db):
    """Someone who may read transcripts but neither reply nor relabel nor export."""
    user = UserFactory(username="victor.viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="conversations", codename__in=["view_conversation", "view_message", "view_intent"]
    ))
    return user


@pytest.fixture
def viewer_web(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


class FormParser(HTMLParser):
    """Collects the forms of a page as a browser sees them, noting any form opened inside another."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.nested: list[str] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            if self._open:
                self.nested.append(attrs.get("action") or "(no action)")
            form = {"action": attrs.get("action"), "fields": {}}
            self.forms.append(form)
            self._open.append(form)
        elif tag in ("input", "select", "textarea") and self._open and attrs.get("name"):
            self._open[-1]["fields"][attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open:
            self._open.pop()


def parse_forms(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


# --- roles --------------------------------------------------------------------------------------------


class TestAccess:
    def test_groups_come_from_roles_sync(self, agent, staff):
        assert agent.has_perm("conversations.view_conversation") and agent.has_perm("conversations.relabel_message")
        assert not agent.has_perm("conversations.add_intent")
        assert staff.has_perm("conversations.add_intent") and staff.has_perm("conversations.add_knowledgearticle")

    @pytest.mark.parametrize("path", [CHANGELIST, MESSAGES, "/admin/conversations/conversation/dashboard/", "/admin/"])
    def test_anonymous_is_sent_to_login(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/") and "next=" in response["Location"]

    def test_customer_facing_user_without_staff_flag_cannot_log_in(self, integrator):
        client = Client()
        client.force_login(integrator)
        assert client.get(CHANGELIST).status_code == 302

    def test_agent_reads_transcripts(self, agent_web):
        conversation = ConversationFactory()
        MessageFactory(conversation=conversation, text="where is my card")
        assert agent_web.get(CHANGELIST).status_code == 200
        page = agent_web.get(change_url(conversation))
        assert page.status_code == 200 and "where is my card" in page.content.decode()
        assert agent_web.get(MESSAGES).status_code == 200

    @pytest.mark.parametrize("model", ["intent", "knowledgearticle", "trainingexample", "agentreply"])
    def test_agent_cannot_add_or_change_content(self, agent_web, model):
        assert agent_web.get(f"/admin/conversations/{model}/add/").status_code == 403
        assert agent_web.post(f"/admin/conversations/{model}/add/", {}).status_code == 403
        # Agents may look at the content they answer from.
        assert agent_web.get(f"/admin/conversations/{model}/").status_code == 200

    def test_agent_cannot_change_an_existing_intent_or_article(self, agent_web):
        intent = IntentFactory(name="card_arrival", description="before")
        article = KnowledgeArticleFactory(title="Before")
        assert agent_web.post(f"/admin/conversations/intent/{intent.pk}/change/", {"name": "hacked", "description": "x"}).status_code == 403
        assert agent_web.post(f"/admin/conversations/knowledgearticle/{article.pk}/change/", {"title": "x"}).status_code == 403
        assert agent_web.post(f"/admin/conversations/intent/{intent.pk}/delete/", {"post": "yes"}).status_code == 403
        intent.refresh_from_db()
        article.refresh_from_db()
        assert (intent.name, intent.description, article.title) == ("card_arrival", "before", "Before")

    def test_staff_adds_an_intent_with_examples(self, staff_web):
        data = {
            "name": "card_arrival", "description": "Where is my card",
            "examples-TOTAL_FORMS": "2", "examples-INITIAL_FORMS": "0", "examples-MIN_NUM_FORMS": "0", "examples-MAX_NUM_FORMS": "1000",
            "examples-0-text": "where is my card", "examples-1-text": "card not here yet",
            "agent_replies-TOTAL_FORMS": "1", "agent_replies-INITIAL_FORMS": "0", "agent_replies-MIN_NUM_FORMS": "0",
            "agent_replies-MAX_NUM_FORMS": "1000", "agent_replies-0-text": "Cards arrive in 3-5 working days.",
        }
        response = staff_web.post("/admin/conversations/intent/add/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        intent = Intent.objects.get(name="card_arrival")
        assert sorted(intent.examples.values_list("text", flat=True)) == ["card not here yet", "where is my card"]
        assert intent.agent_replies.count() == 1
        listing = staff_web.get("/admin/conversations/intent/").content.decode()
        assert "card_arrival" in listing

    def test_staff_adds_and_changes_an_article(self, staff_web):
        intent = IntentFactory(name="card_arrival")
        data = {"title": "Card delivery", "slug": "card-delivery", "body": "Cards arrive in 3-5 working days.",
                "url": "https://help.kestrel-bank.example/card-delivery", "intents": [intent.pk], "published": "on"}
        assert staff_web.get("/admin/conversations/knowledgearticle/add/").status_code == 200
        assert staff_web.post("/admin/conversations/knowledgearticle/add/", data).status_code == 302
        article = KnowledgeArticle.objects.get(slug="card-delivery")
        assert list(article.intents.all()) == [intent] and article.published
        data.update(title="Card delivery times", published="")
        del data["published"]
        assert staff_web.post(f"/admin/conversations/knowledgearticle/{article.pk}/change/", data).status_code == 302
        article.refresh_from_db()
        assert article.title == "Card delivery times" and not article.published

    def test_nobody_adds_conversations_or_messages_by_hand(self, superuser_web):
        assert superuser_web.get("/admin/conversations/conversation/add/").status_code == 403
        assert superuser_web.get("/admin/conversations/message/add/").status_code == 403
        message = MessageFactory(text="original")
        superuser_web.post(f"/admin/conversations/message/{message.pk}/change/", {"text": "rewritten"})
        message.refresh_from_db()
        assert message.text == "original"


# --- the conversation list ----------------------------------------------------------------------------


@pytest.fixture
def population(db):
    card, loan = IntentFactory(name="card_arrival"), IntentFactory(name="loan_application")
    now = timezone.now()

    def make(status, *, days_ago, messages, escalated=False, rating=None):  # noqa: ANN001,ANN202
        conversation = ConversationFactory(status=status, rating=rating, escalated_at=now if escalated else None)
        for text, intent, confidence in messages:
            MessageFactory(conversation=conversation, text=text, intent=intent, confidence=confidence)
        # Bands look at customer messages only.
        MessageFactory(conversation=conversation, role=Message.Role.BOT, text="bot answer", confidence=0.05)
        Conversation.objects.filter(pk=conversation.pk).update(created_at=now - dt.timedelta(days=days_ago))
        return conversation

    return {
        "high": make("with_bot", days_ago=0, rating=5,
                     messages=[("my card is late", card, 0.95), ("the card still is late", card, 0.85), ("thanks", None, None)]),
        "medium": make("closed", days_ago=3, rating=2, messages=[("apply for a loan", loan, 0.7), ("card", card, 0.9)]),
        "low": make("waiting_for_agent", days_ago=8, escalated=True, messages=[("gibberish qwerty", None, 0.2)]),
        "none": make("with_agent", days_ago=30, escalated=True, messages=[]),
    }


def listed(client: Client, query: str = "") -> dict[int, Conversation]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert "errornote" not in response.content.decode()
    return {c.pk: c for c in response.context["cl"].result_list}


def pks(population, *names) -> set[int]:  # noqa: ANN001
    return {population[n].pk for n in names}


class TestChangelist:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", ["high", "medium", "low", "none"]),
            ("status__exact=closed", ["medium"]),
            ("intent=card_arrival", ["high", "medium"]),
            ("intent=loan_application", ["medium"]),
            ("confidence=high", ["high"]),
            ("confidence=medium", ["medium"]),
            ("confidence=low", ["low"]),
            ("escalated=yes", ["low", "none"]),
            ("escalated=no", ["high", "medium"]),
            ("rating=5", ["high"]),
            ("q=LOAN", ["medium"]),
            ("q=qwerty", ["low"]),
            ("q=card+is", ["high"]),
            ("intent=card_arrival&confidence=medium", ["medium"]),
            ("intent=loan_application&confidence=high", []),
        ],
    )
    def test_filters(self, agent_web, population, query, expected):
        assert set(listed(agent_web, query)) == pks(population, *expected)

    def test_date_filter(self, agent_web, population):
        today = timezone.localdate()
        since = (today - dt.timedelta(days=7)).isoformat()
        until = (today + dt.timedelta(days=1)).isoformat()
        assert set(listed(agent_web, f"created_at__gte={since}&created_at__lt={until}")) == pks(population, "high", "medium")
        old = (today - dt.timedelta(days=30))
        query = f"created_at__year={old.year}&created_at__month={old.month}&created_at__day={old.day}"
        assert set(listed(agent_web, query)) == pks(population, "none")

    def test_columns(self, agent_web, population):
        rows = listed(agent_web)
        high = rows[population["high"].pk]
        assert high.message_count == 4
        assert high.min_confidence == pytest.approx(0.85)  # customer messages only
        assert rows[population["none"].pk].min_confidence is None

    @pytest.mark.parametrize("query", ["intent=card_arrival", "q=card", "intent=card_arrival&q=late"])
    def test_filtered_rows_keep_their_message_counts(self, agent_web, population, query):
        rows = listed(agent_web, query)
        assert rows[population["high"].pk].message_count == 4
        html = agent_web.get(f"{CHANGELIST}?{query}").content.decode()
        assert '<td class="field-message_count">4</td>' in html

    def test_filter_choices(self, agent_web, population):
        html = agent_web.get(CHANGELIST).content.decode()
        for choice in ("?intent=card_arrival", "?confidence=low", "?escalated=yes", "?status__exact=waiting_for_agent", "?rating=5"):
            assert choice in html

    def test_dashboard_link_on_the_index(self, agent_web):
        assert reverse("admin:conversations_dashboard") in agent_web.get("/admin/").content.decode()


# --- the conversation page ----------------------------------------------------------------------------


@pytest.fixture
def transcript(db, agent):
    card = IntentFactory(name="card_arrival")
    conversation = ConversationFactory()
    first = MessageFactory(conversation=conversation, text="Where is my new card?", intent=card, confidence=0.4321)
    MessageFactory(conversation=conversation, role=Message.Role.BOT, text="Cards arrive in 3-5 working days.", reply_to=first,
                   sources=[{"id": 1, "title": "Card delivery", "url": "https://help.example/card", "score": 0.9}])
    MessageFactory(conversation=conversation, text="It has been two weeks", intent=None, confidence=None)
    services.conversation_assign(conversation=conversation, agent=agent)
    services.agent_message_post(conversation=conversation, agent=agent, text="Let me check that for you.")
    return conversation


class TestConversationPage:
    def test_transcript_in_order_with_intent_and_confidence(self, agent_web, transcript):
        html = agent_web.get(change_url(transcript)).content.decode()
        texts = ["Where is my new card?", "Cards arrive in 3-5 working days.", "It has been two weeks",
                 "from our support team has joined", "Let me check that for you."]
        positions = [html.index(t) for t in texts]
        assert positions == sorted(positions)
        rows = html.split('<tr class="role-')[1:]
        assert len(rows) == 5
        assert rows[0].startswith("customer") and "card_arrival" in rows[0] and "0.43" in rows[0] and 'class="low"' in rows[0]
        assert rows[1].startswith("bot") and 'href="https://help.example/card"' in rows[1]
        assert rows[2].startswith("customer") and "0.43" not in rows[2]
        assert rows[4].startswith("agent") and "(alice.agent)" in rows[4]

    def test_forms_are_not_nested(self, agent_web, transcript):
        forms = parse_forms(agent_web.get(change_url(transcript)).content.decode())
        assert forms.nested == []
        actions = {f["action"] for f in forms.forms}
        customer_messages = transcript.messages.filter(role=Message.Role.CUSTOMER)
        assert {relabel_url(m) for m in customer_messages} <= actions
        assert {action_url(transcript, "reply"), action_url(transcript, "return"), action_url(transcript, "close")} <= actions
        bot = transcript.messages.get(role=Message.Role.BOT)
        assert relabel_url(bot) not in actions

    def test_relabel_form_as_a_browser_submits_it(self, agent_web, transcript, agent):
        message = transcript.messages.filter(role=Message.Role.CUSTOMER).last()
        right = IntentFactory(name="card_delayed")
        form = next(f for f in parse_forms(agent_web.get(change_url(transcript)).content.decode()).forms
                    if f["action"] == relabel_url(message))
        assert "intent" in form["fields"]
        response = agent_web.post(form["action"], {**form["fields"], "intent": right.pk})
        assert response.status_code == 302 and response["Location"] == change_url(transcript)
        example = TrainingExample.objects.get()
        assert (example.intent, example.text, example.message, example.created_by) == (right, "It has been two weeks", message, agent)
        assert example.source == TrainingExample.Source.AGENT_CORRECTION

    def test_viewer_sees_no_relabel_or_agent_forms(self, viewer_web, transcript):
        page = viewer_web.get(change_url(transcript))
        assert page.status_code == 200
        actions = {f["action"] for f in parse_forms(page.content.decode()).forms}
        assert not any(a and ("/relabel/" in a or "/agent/" in a) for a in actions)

    def test_closed_conversation_has_no_agent_forms(self, agent_web, transcript):
        services.conversation_close(conversation=transcript)
        actions = {f["action"] for f in parse_forms(agent_web.get(change_url(transcript)).content.decode()).forms}
        assert action_url(transcript, "reply") not in actions

    def test_unknown_conversation(self, agent_web):
        response = agent_web.get("/admin/conversations/conversation/999999/change/")
        assert response.status_code == 302  # the admin redirects to the index with a message


# --- relabelling --------------------------------------------------------------------------------------


class TestRelabelView:
    def test_bad_intent_or_bot_message(self, agent_web, transcript):
        customer = transcript.messages.filter(role=Message.Role.CUSTOMER).first()
        bot = transcript.messages.get(role=Message.Role.BOT)
        response = agent_web.post(relabel_url(customer), {"intent": ""})
        assert response.status_code == 302 and flash(response) == "Choose an intent to relabel the message with."
        response = agent_web.post(relabel_url(customer), {"intent": "999999"})
        assert flash(response) == "Choose an intent to relabel the message with."
        response = agent_web.post(relabel_url(bot), {"intent": IntentFactory().pk})
        assert flash(response) == "Only customer messages carry an intent to correct."
        assert not TrainingExample.objects.exists()

    def test_get_is_not_allowed(self, agent_web, transcript):
        assert agent_web.get(relabel_url(transcript.messages.first())).status_code == 405

    def test_unknown_message(self, agent_web):
        assert agent_web.post(reverse("admin:conversations_message_relabel", args=[999999]), {"intent": ""}).status_code == 404

    def test_without_permission(self, viewer_web, transcript):
        message = transcript.messages.filter(role=Message.Role.CUSTOMER).first()
        assert viewer_web.post(relabel_url(message), {"intent": IntentFactory().pk}).status_code == 403
        message.refresh_from_db()
        assert message.intent.name == "card_arrival" and not TrainingExample.objects.exists()

    def test_anonymous(self, client, transcript):
        response = client.post(relabel_url(transcript.messages.first()), {"intent": IntentFactory().pk})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert not TrainingExample.objects.exists()


class TestRelabelAction:
    def _select(self, client: Client, messages: list[Message], **extra):  # noqa: ANN202
        data = {"action": "relabel", "_selected_action": [m.pk for m in messages], **extra}
        return client.post(MESSAGES, data)

    def test_intermediate_page_then_apply(self, agent_web, agent, transcript):
        right = IntentFactory(name="card_delayed")
        selected = list(transcript.messages.filter(role__in=[Message.Role.CUSTOMER, Message.Role.BOT]))
        assert len(selected) == 3
        page = self._select(agent_web, selected, index="0")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Relabel messages" in html and "Where is my new card?" in html and "card_delayed" in html
        form = next(f for f in parse_forms(html).forms if f["fields"].get("action") == "relabel")
        assert "apply" in form["fields"]
        # The hidden inputs carry the selection; post the form as a browser would.
        response = agent_web.post(MESSAGES, {"action": "relabel", "_selected_action": [m.pk for m in selected],
                                             "intent": right.pk, "apply": "Relabel"})
        assert response.status_code == 302
        assert flash(response) == "Relabelled 2 message(s) as card_delayed; each is now a training example."
        examples = TrainingExample.objects.order_by("text")
        assert [(e.text, e.intent.name, e.source, e.created_by) for e in examples] == [
            ("It has been two weeks", "card_delayed", "agent_correction", agent),
            ("Where is my new card?", "card_delayed", "agent_correction", agent),
        ]
        assert set(Message.objects.filter(role=Message.Role.CUSTOMER).values_list("intent__name", flat=True)) == {"card_delayed"}
        assert transcript.messages.get(role=Message.Role.BOT).intent is None

    def test_apply_without_intent_shows_the_page_again(self, agent_web, transcript):
        customer = list(transcript.messages.filter(role=Message.Role.CUSTOMER))
        response = self._select(agent_web, customer, apply="Relabel", intent="")
        assert response.status_code == 200 and "Relabel messages" in response.content.decode()
        assert not TrainingExample.objects.exists()

    def test_without_permission_the_action_is_not_offered(self, viewer_web, transcript):
        listing = viewer_web.get(MESSAGES)
        assert listing.status_code == 200
        action_form = listing.context["action_form"]
        assert action_form is None or "relabel" not in [name for name, _ in action_form.fields["action"].choices]
        customer = list(transcript.messages.filter(role=Message.Role.CUSTOMER))
        self._select(viewer_web, customer, index="0")
        self._select(viewer_web, customer, intent=IntentFactory().pk, apply="Relabel")
        assert not TrainingExample.objects.exists()

    def test_offered_to_agents(self, agent_web):
        choices = [name for name, _ in agent_web.get(MESSAGES).context["action_form"].fields["action"].choices]
        assert "relabel" in choices and "delete_selected" not in choices

    def test_message_list_confidence_filter(self, agent_web, transcript):
        response = agent_web.get(f"{MESSAGES}?confidence=low")
        assert [m.text for m in response.context["cl"].result_list] == ["Where is my new card?"]


# --- agent actions ------------------------------------------------------------------------------------


class TestAgentActions:
    def test_join_reply_return_close(self, agent_web, agent):
        conversation = ConversationFactory(status=Conversation.Status.WAITING_FOR_AGENT, escalated_at=timezone.now())
        response = agent_web.post(action_url(conversation, "join"))
        assert response.status_code == 302 and response["Location"] == change_url(conversation)
        conversation.refresh_from_db()
        assert conversation.status == "with_agent" and conversation.assigned_agent == agent

        agent_web.post(action_url(conversation, "reply"), {"text": "Happy to help."})
        reply = conversation.messages.filter(role=Message.Role.AGENT).get()
        assert reply.text == "Happy to help." and reply.author == agent

        agent_web.post(action_url(conversation, "return"))
        conversation.refresh_from_db()
        assert conversation.status == "with_bot" and conversation.assigned_agent is None

        agent_web.post(action_url(conversation, "close"))
        conversation.refresh_from_db()
        assert conversation.status == "closed" and conversation.closed_at is not None

    def test_errors_are_shown_not_raised(self, agent_web):
        conversation = ConversationFactory(status=Conversation.Status.CLOSED)
        response = agent_web.post(action_url(conversation, "close"))
        assert response.status_code == 302 and flash(response) == "Cannot close a conversation that is closed."
        response = agent_web.post(action_url(ConversationFactory(), "reply"), {"text": "   "})
        assert flash(response) == "Message text must not be empty."
        assert not Message.objects.exists()

    def test_get_unknown_action_and_unknown_conversation(self, agent_web):
        conversation = ConversationFactory()
        assert agent_web.get(action_url(conversation, "join")).status_code == 405
        assert agent_web.post(action_url(conversation, "delete")).status_code == 404
        assert agent_web.post(reverse("admin:conversations_agent_action", args=[999999, "join"])).status_code == 404
        conversation.refresh_from_db()
        assert conversation.status == "with_bot"

    def test_without_reply_permission(self, viewer_web):
        conversation = ConversationFactory()
        for action in ("join", "reply", "return", "close"):
            assert viewer_web.post(action_url(conversation, action), {"text": "hi"}).status_code == 403
        conversation.refresh_from_db()
        assert conversation.status == "with_bot" and not conversation.messages.exists()

    def test_customer_sees_the_agent_reply(self, agent_web, customer_a, customer_a_api):
        agent_web.post(action_url(customer_a, "reply"), {"text": "Hello from support."})
        body = customer_a_api.get(f"/api/v1/conversations/{customer_a.public_id}/messages/").json()
        assert [(m["role"], m["text"]) for m in body] == [("agent", "Hello from support.")]
