"""Writes: the data model, customer messages, agent actions, ratings and relabelling."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from conversations import services
from conversations.bot.pipeline import HANDOFF_MESSAGES, HandoffReason
from conversations.errors import ConversationClosed, InvalidMessage, InvalidTransition
from conversations.models import Conversation, Message, TrainingExample
from tests.factories import ConversationFactory, IntentFactory, MessageFactory, TrainingExampleFactory, UserFactory

Status = Conversation.Status
Role = Message.Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation() -> Conversation:
    return services.conversation_create()


# --- the data model -----------------------------------------------------------------------------------


class TestModel:
    def test_new_conversation_defaults(self, conversation):
        assert conversation.status == Status.WITH_BOT
        assert conversation.channel == Conversation.Channel.WIDGET
        assert conversation.assigned_agent is None and conversation.rating is None
        assert conversation.escalated_at is None and conversation.closed_at is None
        assert conversation.created_at is not None and conversation.updated_at is not None
        assert services.conversation_create(channel=Conversation.Channel.API).channel == "api"

    def test_access_tokens_are_long_random_and_distinct(self):
        tokens = {services.conversation_create().access_token for _ in range(20)}
        assert len(tokens) == 20
        assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, URL-safe base64
        public_ids = set(Conversation.objects.values_list("public_id", flat=True))
        assert len(public_ids) == 20

    def test_client_message_id_is_unique_per_conversation_only(self, conversation):
        other = ConversationFactory()
        MessageFactory(conversation=conversation, client_message_id="abc")
        MessageFactory(conversation=other, client_message_id="abc")
        MessageFactory(conversation=conversation, client_message_id=None)
        MessageFactory(conversation=conversation, client_message_id=None)  # many messages without an id
        with pytest.raises(IntegrityError), transaction.atomic():
            MessageFactory(conversation=conversation, client_message_id="abc")

    def test_example_text_is_unique_per_intent(self):
        example = TrainingExampleFactory(text="where is my card")
        TrainingExampleFactory(text="where is my card")  # another intent
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingExampleFactory(intent=example.intent, text="where is my card")

    def test_rating_validators_reject_out_of_range(self, conversation):
        from django.core.exceptions import ValidationError

        for bad in (0, 6):
            conversation.rating = bad
            with pytest.raises(ValidationError):
                conversation.full_clean()
        conversation.rating = 5
        conversation.full_clean()

    def test_deleting_a_conversation_deletes_its_messages_but_keeps_corrections(self, conversation, agent):
        message = MessageFactory(conversation=conversation)
        example = services.message_relabel(message=message, intent=IntentFactory(), user=agent)
        conversation.delete()
        example.refresh_from_db()
        assert not Message.objects.exists()
        assert example.message is None and example.source == TrainingExample.Source.AGENT_CORRECTION


# --- customer messages --------------------------------------------------------------------------------


class TestCustomerMessage:
    @pytest.mark.parametrize("text", ["", "   ", "\n\t", None, 42])
    def test_empty_or_not_text_is_refused_and_nothing_stored(self, conversation, text):
        with pytest.raises(InvalidMessage) as exc:
            services.customer_message_receive(conversation=conversation, text=text)
        assert exc.value.code == "invalid_message"
        assert not Message.objects.exists()

    def test_oversized_message_is_refused_with_the_limit(self, conversation, settings):
        limit = settings.CHAT_MAX_MESSAGE_CHARS
        assert limit == 2000
        with pytest.raises(InvalidMessage) as exc:
            services.customer_message_receive(conversation=conversation, text="x" * (limit + 1))
        assert exc.value.code == "message_too_long" and "2000" in exc.value.message
        assert not Message.objects.exists()

    def test_message_at_the_limit_is_accepted_and_stripped(self, conversation, settings):
        exchange = services.customer_message_receive(conversation=conversation, text="  " + "y" * 2000 + "  ")
        assert exchange.message.text == "y" * 2000

    def test_same_client_message_id_is_stored_and_answered_once(self, bot, conversation):
        first = services.customer_message_receive(conversation=conversation, text="Where is my card?", client_message_id="c-1")
        tokens: list[str] = []
        second = services.customer_message_receive(
            conversation=conversation, text="Where is my card?", client_message_id="c-1", on_token=tokens.append
        )
        assert first.created is True and second.created is False
        assert second.message.pk == first.message.pk and second.reply.pk == first.reply.pk
        assert second.reply.role == Role.BOT
        assert conversation.messages.count() == 2
        assert len(bot.classifier.seen) == 1 and tokens == []

    def test_different_client_ids_are_different_messages(self, bot, conversation):
        services.customer_message_receive(conversation=conversation, text="card?", client_message_id="c-1")
        services.customer_message_receive(conversation=conversation, text="card?", client_message_id="c-2")
        assert conversation.messages.filter(role=Role.CUSTOMER).count() == 2

    def test_resend_while_with_an_agent_returns_the_stored_message_without_reply(self, conversation, agent):
        services.conversation_assign(conversation=conversation, agent=agent)
        first = services.customer_message_receive(conversation=conversation, text="hi", client_message_id="m1")
        second = services.customer_message_receive(conversation=conversation, text="hi", client_message_id="m1")
        assert first.reply is None and second.reply is None
        assert second.message.pk == first.message.pk and second.created is False

    def test_race_on_the_same_client_id_answers_with_the_first_copy(self, bot, conversation):
        first = services.customer_message_receive(conversation=conversation, text="card?", client_message_id="dup")
        # Another connection stored the message between our check and our insert.
        with mock.patch.object(QuerySet, "exists", return_value=False):
            again = services.customer_message_receive(conversation=conversation, text="card?", client_message_id="dup")
        assert again.created is False and again.message.pk == first.message.pk and again.reply.pk == first.reply.pk
        assert conversation.messages.count() == 2

    @pytest.mark.parametrize("bad", ["x" * 65, 12])
    def test_bad_client_message_id(self, conversation, bad):
        with pytest.raises(InvalidMessage):
            services.customer_message_receive(conversation=conversation, text="hi", client_message_id=bad)
        assert not Message.objects.exists()

    def test_closed_conversation_refuses_messages(self, conversation):
        services.conversation_close(conversation=conversation)
        with pytest.raises(ConversationClosed) as exc:
            services.customer_message_receive(conversation=conversation, text="hello?")
        assert exc.value.status == 409
        assert not Message.objects.exists()

    def test_closed_elsewhere_is_noticed(self, conversation):
        stale = Conversation.objects.get(pk=conversation.pk)
        services.conversation_close(conversation=conversation)
        with pytest.raises(ConversationClosed):
            services.customer_message_receive(conversation=stale, text="hello?")

    def test_message_bumps_updated_at(self, conversation):
        before = conversation.updated_at
        services.customer_message_receive(conversation=conversation, text="hello")
        conversation.refresh_from_db()
        assert conversation.updated_at > before


class TestRequestHuman:
    def test_hands_off_once(self, conversation):
        notice = services.conversation_request_human(conversation=conversation)
        conversation.refresh_from_db()
        assert notice.role == Role.SYSTEM and notice.text == HANDOFF_MESSAGES[HandoffReason.CUSTOMER_REQUEST]
        assert conversation.status == Status.WAITING_FOR_AGENT and conversation.escalated_at is not None
        assert services.conversation_request_human(conversation=conversation) is None
        assert conversation.messages.count() == 1

    def test_closed(self, conversation):
        services.conversation_close(conversation=conversation)
        with pytest.raises(ConversationClosed):
            services.conversation_request_human(conversation=conversation)


# --- agent actions ------------------------------------------------------------------------------------


class TestAgentActions:
    def test_assign_from_the_queue(self, conversation, agent):
        services.customer_message_receive(conversation=conversation, text="help")  # no model: waiting
        conversation.refresh_from_db()
        escalated_at = conversation.escalated_at
        locked = services.conversation_assign(conversation=conversation, agent=agent)
        conversation.refresh_from_db()
        assert conversation.status == Status.WITH_AGENT and conversation.assigned_agent == agent
        assert conversation.escalated_at == escalated_at  # the first escalation is kept
        assert locked.pk == conversation.pk
        last = conversation.messages.last()
        assert last.role == Role.SYSTEM and last.text == "Alice from our support team has joined the conversation."

    def test_assign_from_the_bot_counts_as_escalation(self, conversation, agent):
        services.conversation_assign(conversation=conversation, agent=agent)
        conversation.refresh_from_db()
        assert conversation.escalated_at is not None

    def test_agent_without_first_name_is_named_by_username(self, conversation):
        nameless = UserFactory(username="bob", first_name="")
        services.conversation_assign(conversation=conversation, agent=nameless)
        assert conversation.messages.last().text.startswith("bob from our support team")

    def test_reply_assigns_a_waiting_conversation(self, conversation, agent):
        services.conversation_request_human(conversation=conversation)
        reply = services.agent_message_post(conversation=conversation, agent=agent, text="  Hi, I'm Alice.  ")
        conversation.refresh_from_db()
        assert reply.role == Role.AGENT and reply.author == agent and reply.text == "Hi, I'm Alice."
        assert conversation.status == Status.WITH_AGENT and conversation.assigned_agent == agent

    def test_second_agent_replying_takes_over(self, conversation, agent, staff):
        services.conversation_assign(conversation=conversation, agent=agent)
        services.agent_message_post(conversation=conversation, agent=staff, text="I'll take this one")
        conversation.refresh_from_db()
        assert conversation.assigned_agent == staff

    def test_reply_validates_text(self, conversation, agent):
        with pytest.raises(InvalidMessage):
            services.agent_message_post(conversation=conversation, agent=agent, text=" ")
        conversation.refresh_from_db()
        assert conversation.status == Status.WITH_BOT and not conversation.messages.exists()

    def test_customer_messages_are_not_answered_by_the_bot_while_with_agent(self, bot, conversation, agent):
        services.conversation_assign(conversation=conversation, agent=agent)
        exchange = services.customer_message_receive(conversation=conversation, text="where is my card")
        assert exchange.reply is None and bot.classifier.seen == []

    def test_return_to_bot(self, bot, conversation, agent):
        services.conversation_assign(conversation=conversation, agent=agent)
        services.conversation_return_to_bot(conversation=conversation)
        conversation.refresh_from_db()
        assert conversation.status == Status.WITH_BOT and conversation.assigned_agent is None
        assert conversation.messages.last().text == "You are back with our virtual assistant."
        exchange = services.customer_message_receive(conversation=conversation, text="where is my card")
        assert exchange.reply.role == Role.BOT

    def test_close(self, conversation, agent):
        services.conversation_assign(conversation=conversation, agent=agent)
        services.conversation_close(conversation=conversation)
        conversation.refresh_from_db()
        assert conversation.status == Status.CLOSED and conversation.closed_at is not None

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (Status.WITH_BOT, "return"),
            (Status.CLOSED, "return"),
            (Status.CLOSED, "close"),
            (Status.CLOSED, "assign"),
            (Status.CLOSED, "reply"),
        ],
    )
    def test_invalid_transitions(self, agent, status, action):
        conversation = ConversationFactory(status=status)
        calls = {
            "return": lambda: services.conversation_return_to_bot(conversation=conversation),
            "close": lambda: services.conversation_close(conversation=conversation),
            "assign": lambda: services.conversation_assign(conversation=conversation, agent=agent),
            "reply": lambda: services.agent_message_post(conversation=conversation, agent=agent, text="hi"),
        }
        with pytest.raises(InvalidTransition) as exc:
            calls[action]()
        assert exc.value.status == 409 and exc.value.code == "invalid_transition"
        conversation.refresh_from_db()
        assert conversation.status == status and not conversation.messages.exists()


class TestRate:
    @pytest.mark.parametrize("rating", [1, 3, 5])
    def test_valid(self, conversation, rating):
        services.conversation_rate(conversation=conversation, rating=rating)
        conversation.refresh_from_db()
        assert conversation.rating == rating

    def test_closed_conversation_can_be_rated(self, conversation):
        services.conversation_close(conversation=conversation)
        services.conversation_rate(conversation=conversation, rating=4)
        conversation.refresh_from_db()
        assert conversation.rating == 4

    @pytest.mark.parametrize("rating", [0, 6, -1, "x", "3", 3.0, True, None])
    def test_invalid(self, conversation, rating):
        with pytest.raises(InvalidMessage) as exc:
            services.conversation_rate(conversation=conversation, rating=rating)
        assert exc.value.code == "invalid_rating"
        conversation.refresh_from_db()
        assert conversation.rating is None


class TestRelabel:
    def test_correction_becomes_a_training_example(self, agent):
        wrong, right = IntentFactory(name="card_arrival"), IntentFactory(name="card_declined")
        message = MessageFactory(text="my card got refused", intent=wrong, confidence=0.4)
        example = services.message_relabel(message=message, intent=right, user=agent)
        message.refresh_from_db()
        assert message.intent == right and message.confidence == pytest.approx(0.4)
        assert example.intent == right and example.text == "my card got refused"
        assert example.source == TrainingExample.Source.AGENT_CORRECTION
        assert example.message == message and example.created_by == agent

    @pytest.mark.parametrize("role", [Role.BOT, Role.AGENT, Role.SYSTEM])
    def test_only_customer_messages(self, agent, role):
        message = MessageFactory(role=role)
        with pytest.raises(InvalidMessage) as exc:
            services.message_relabel(message=message, intent=IntentFactory(), user=agent)
        assert exc.value.code == "not_customer_message"
        assert not TrainingExample.objects.exists()
        message.refresh_from_db()
        assert message.intent is None

    def test_latest_correction_wins(self, agent, staff):
        first, second = IntentFactory(), IntentFactory()
        message = MessageFactory(text="can't log in")
        services.message_relabel(message=message, intent=first, user=agent)
        services.message_relabel(message=message, intent=second, user=staff)
        assert list(TrainingExample.objects.values_list("intent", "created_by")) == [(second.pk, staff.pk)]

    def test_relabelling_twice_the_same_way_keeps_one_example(self, agent):
        intent = IntentFactory()
        message = MessageFactory()
        one = services.message_relabel(message=message, intent=intent, user=agent)
        two = services.message_relabel(message=message, intent=intent, user=agent)
        assert one.pk == two.pk and TrainingExample.objects.count() == 1
