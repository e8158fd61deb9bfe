"""The workspace's writes and reads: canned replies, notes, tags, transfer, availability, business hours, CSAT."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conversations import roles, selectors, services
from conversations.errors import ChatError
from conversations.models import AgentNote, CannedReply, Conversation, ConversationAssignment, Message, Tag
from conversations.services import availability
from tests.factories import ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Conversation.Status


@pytest.fixture
def bob(db):
    return UserFactory(username="bob.agent", first_name="Bob", groups=[roles.AGENTS])


@pytest.fixture
def waiting(db) -> Conversation:
    conversation = ConversationFactory(status=Status.WAITING_FOR_AGENT, escalated_at=timezone.now())
    MessageFactory(conversation=conversation, text="My card was charged twice")
    return conversation


def refused(code: str, call) -> ChatError:
    with pytest.raises(ChatError) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    return caught.value


class TestCannedReplies:
    def test_saved_and_rendered_with_its_variables(self, staff, agent, waiting):
        canned = services.canned_reply_save(title="Greeting", shortcut="/Hello", user=staff,
                                            text="Hi, I'm {{agent.first_name}} (ref {{ conversation.id }}). Hours: {{business.hours}}")
        assert canned.shortcut == "hello"
        rendered = selectors.canned_reply_render(canned.text, agent=agent, conversation=waiting)
        assert rendered == f"Hi, I'm Alice (ref {waiting.public_id.hex[:8]}). Hours: Mon-Fri 09:00-17:00 (Europe/London)"

    @pytest.mark.parametrize(("text", "code"), [
        ("", "invalid_canned_reply"), ("   ", "invalid_canned_reply"), ("x" * 10_000, "canned_reply_too_long"),
        ("Dear {{customer.name}}", "unknown_variable"), (None, "invalid_canned_reply"), ("nul\x00", "invalid_canned_reply"),
    ])
    def test_bad_text_is_refused_and_nothing_stored(self, staff, text, code):
        error = refused(code, lambda: services.canned_reply_save(title="T", shortcut="t", text=text, user=staff))
        assert CannedReply.objects.count() == 0
        if code == "unknown_variable":
            assert "{{customer.name}}" in error.message and "{{agent.first_name}}" in error.message

    def test_a_shortcut_is_unique_and_plain(self, staff):
        services.canned_reply_save(title="A", shortcut="refund", text="About refunds", user=staff)
        refused("shortcut_taken", lambda: services.canned_reply_save(title="B", shortcut="refund", text="Other", user=staff))
        refused("invalid_shortcut", lambda: services.canned_reply_save(title="B", shortcut="<b>x</b>", text="Other", user=staff))
        assert CannedReply.objects.count() == 1


class TestNotesAndTags:
    def test_a_note_is_stored_for_agents_and_never_in_the_transcript(self, agent, waiting):
        note = services.note_add(conversation=waiting, author=agent, text="  Customer is a VIP  ")
        assert note.text == "Customer is a VIP" and list(selectors.conversation_notes(waiting)) == [note]
        assert not waiting.messages.filter(text__contains="VIP").exists()
        assert all("VIP" not in m["text"] for m in selectors.history(waiting))

    def test_a_note_is_anonymized_like_every_stored_text(self, agent, waiting, settings):
        settings.PII_ANONYMIZE = True
        note = services.note_add(conversation=waiting, author=agent, text="Alice here: customer wants mail at jane.roe@example.com")
        assert "jane.roe" not in note.text and note.text.startswith("Alice here") and "<" in note.text
        assert waiting.pii_entries.filter(source="note").exists()

    @pytest.mark.parametrize("text", ["", "  ", None, "x" * 5001])
    def test_a_bad_note_is_refused(self, agent, waiting, text):
        with pytest.raises(ChatError):
            services.note_add(conversation=waiting, author=agent, text=text)
        assert AgentNote.objects.count() == 0

    def test_tags_are_added_once_removed_and_counted(self, waiting):
        other = ConversationFactory()
        services.tag_add(conversation=waiting, name="Refund  request")
        services.tag_add(conversation=waiting, name="refund request")
        services.tag_add(conversation=other, name="refund request")
        services.tag_add(conversation=other, name="vip")
        assert selectors.conversation_tags(waiting) == ["refund request"]
        assert selectors.tag_counts() == [("refund request", 2), ("vip", 1)]
        services.tag_remove(conversation=waiting, name="refund request")
        assert selectors.conversation_tags(waiting) == []
        refused("unknown_tag", lambda: services.tag_remove(conversation=waiting, name="refund request"))

    @pytest.mark.parametrize("name", ["<b>x</b>", "", "a" * 41, "x\"onclick", None, 5])
    def test_a_tag_with_markup_or_no_text_is_refused(self, waiting, name):
        refused("invalid_tag", lambda: services.tag_add(conversation=waiting, name=name))
        assert Tag.objects.count() == 0 and waiting.tags.count() == 0


class TestTransfer:
    def test_transfer_moves_the_conversation_and_the_previous_agent_can_no_longer_reply(self, agent, bob, waiting):
        services.conversation_assign(conversation=waiting, agent=agent)
        record = services.conversation_transfer(conversation=waiting, to_agent=bob, by=agent, note="Billing expert")
        waiting.refresh_from_db()
        assert (waiting.assigned_agent, waiting.status) == (bob, Status.WITH_AGENT)
        assert (record.from_agent, record.to_agent, record.by, record.note) == (agent, bob, agent, "Billing expert")
        before = waiting.messages.count()
        error = refused("transferred_to_another_agent",
                        lambda: services.agent_message_post(conversation=waiting, agent=agent, text="Still me"))
        assert "Bob" in error.message
        refused("transferred_to_another_agent", lambda: services.conversation_assign(conversation=waiting, agent=agent))
        assert waiting.messages.count() == before  # nothing stored half-way
        services.agent_message_post(conversation=waiting, agent=bob, text="Bob here")
        assert selectors.conversations_in_queue(Conversation.objects.all(), "mine", user=bob).get() == waiting
        assert not selectors.conversations_in_queue(Conversation.objects.all(), "mine", user=agent).exists()

    def test_back_to_unassigned_lets_anyone_take_it(self, agent, bob, waiting):
        services.conversation_transfer(conversation=waiting, to_agent=bob, by=agent)
        services.conversation_transfer(conversation=waiting, to_agent=None, by=bob)
        waiting.refresh_from_db()
        assert (waiting.assigned_agent, waiting.status) == (None, Status.WAITING_FOR_AGENT)
        assert selectors.conversations_in_queue(Conversation.objects.all(), "unassigned", user=agent).get() == waiting
        services.agent_message_post(conversation=waiting, agent=agent, text="I can help")

    def test_only_the_holder_or_staff_transfer_an_assigned_conversation(self, agent, bob, staff, waiting):
        services.conversation_transfer(conversation=waiting, to_agent=bob, by=agent)
        refused("transferred_to_another_agent", lambda: services.conversation_transfer(conversation=waiting, to_agent=agent, by=agent))
        services.conversation_transfer(conversation=waiting, to_agent=agent, by=staff)
        waiting.refresh_from_db()
        assert waiting.assigned_agent == agent and ConversationAssignment.objects.count() == 2

    def test_unknown_agent_and_non_agents_are_refused(self, agent, integrator, waiting):
        refused("unknown_agent", lambda: services.agent_by_username("nobody"))
        refused("unknown_agent", lambda: services.agent_by_username(integrator.username))
        refused("unknown_agent", lambda: services.conversation_transfer(conversation=waiting, to_agent=integrator, by=agent))
        assert ConversationAssignment.objects.count() == 0

    def test_a_closed_conversation_is_not_transferred(self, agent, bob):
        closed = ConversationFactory(status=Status.CLOSED)
        refused("invalid_transition", lambda: services.conversation_transfer(conversation=closed, to_agent=bob, by=agent))
        assert ConversationAssignment.objects.count() == 0


LONDON = ZoneInfo("Europe/London")


class TestBusinessHoursAndAvailability:
    def test_next_opening_is_in_the_business_time_zone(self):
        services.business_hours_set(time_zone="America/New_York", hours=[{"weekday": 0, "opens": "09:00", "closes": "12:00"},
                                                                         {"weekday": 0, "opens": "13:00", "closes": "17:00"}])
        ny = ZoneInfo("America/New_York")
        monday_lunch = dt.datetime(2026, 12, 7, 12, 30, tzinfo=ny)  # a Monday
        opening = selectors.business_opening(now=monday_lunch)
        assert not opening.open_now and opening.next_opening == dt.datetime(2026, 12, 7, 13, 0, tzinfo=ny)
        assert selectors.business_opening(now=dt.datetime(2026, 12, 7, 10, tzinfo=ny)).open_now
        saturday = selectors.business_opening(now=dt.datetime(2026, 12, 12, 10, tzinfo=ny))
        assert saturday.next_opening == dt.datetime(2026, 12, 14, 9, 0, tzinfo=ny)
        assert selectors.business_hours_text() == "Mon 09:00-12:00, 13:00-17:00 (America/New_York)"

    @pytest.mark.parametrize(("zone", "hours", "code"), [
        ("Mars/Olympus", [], "invalid_time_zone"),
        ("Europe/London", [{"weekday": 7, "opens": "09:00", "closes": "17:00"}], "invalid_hours"),
        ("Europe/London", [{"weekday": 1, "opens": "17:00", "closes": "09:00"}], "invalid_hours"),
        ("Europe/London", [{"weekday": 1, "opens": "nine", "closes": "17:00"}], "invalid_hours"),
        ("Europe/London", [{"weekday": 1, "opens": "09:00", "closes": "13:00"}, {"weekday": 1, "opens": "12:00", "closes": "17:00"}],
         "invalid_hours"),
    ])
    def test_bad_hours_are_refused_and_the_old_ones_kept(self, zone, hours, code):
        services.business_hours_set(time_zone="Europe/Paris", hours=[{"weekday": 2, "opens": "08:00", "closes": "18:00"}])
        refused(code, lambda: services.business_hours_set(time_zone=zone, hours=hours))
        assert selectors.business_hours_text() == "Wed 08:00-18:00 (Europe/Paris)"

    def test_an_agent_counts_as_online_only_while_their_console_reports(self, agent):
        services.agent_availability_set(agent=agent, availability="online")
        assert list(selectors.agents_online().values_list("user", flat=True)) == [agent.pk]
        later = timezone.now() + selectors.AGENT_SEEN_WINDOW + dt.timedelta(seconds=1)
        assert not selectors.agents_online(now=later).exists()
        services.agent_availability_set(agent=agent, availability="away")
        assert not selectors.agents_online().exists()
        refused("invalid_availability", lambda: services.agent_availability_set(agent=agent, availability="busy"))

    def test_offline_handoff_says_when_a_reply_can_be_expected(self, agent):
        services.business_hours_set(time_zone="Europe/London", hours=[{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(5)])
        friday_night = dt.datetime(2026, 12, 11, 20, 0, tzinfo=LONDON)
        closed = selectors.offline_handoff(now=friday_night)
        assert closed.reason == "closed" and closed.expected_at == dt.datetime(2026, 12, 14, 9, 0, tzinfo=LONDON)
        assert "Monday 14 December from 09:00 (Europe/London)" in closed.message and "e-mail" in closed.message
        monday_ten = dt.datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)
        assert selectors.offline_handoff(now=monday_ten).reason == "no_agent"

    def test_a_handoff_with_no_agent_online_is_flagged(self, customer_a):
        services.customer_message_receive(conversation=customer_a, text="I need a person")  # no model: hands off
        customer_a.refresh_from_db()
        assert customer_a.status == Status.WAITING_FOR_AGENT and customer_a.offline_handoff is True

    def test_a_handoff_while_an_agent_is_online_in_hours_is_not_flagged(self, customer_a, agent):
        services.business_hours_set(time_zone="UTC", hours=[{"weekday": d, "opens": "00:00", "closes": "23:59:59"} for d in range(7)])
        services.agent_availability_set(agent=agent, availability="online")
        services.customer_message_receive(conversation=customer_a, text="I need a person")
        customer_a.refresh_from_db()
        assert customer_a.status == Status.WAITING_FOR_AGENT and customer_a.offline_handoff is False

    def test_the_contact_email_is_kept_as_a_placeholder_only(self, customer_a, settings):
        settings.PII_ANONYMIZE = True
        services.contact_email_leave(conversation=customer_a, email="jane.doe@example.com")
        customer_a.refresh_from_db()
        assert customer_a.contact_email.startswith("<") and "jane" not in customer_a.contact_email
        entry = customer_a.pii_entries.get(placeholder=customer_a.contact_email)
        assert entry.ciphertext and b"jane.doe" not in bytes(entry.ciphertext)

    @pytest.mark.parametrize("email", ["", "not an address", None, "a@" + "b" * 300 + ".com", 42])
    def test_a_bad_contact_email_is_refused(self, customer_a, email):
        refused("invalid_email", lambda: availability.contact_email_leave(conversation=customer_a, email=email))
        customer_a.refresh_from_db()
        assert customer_a.contact_email == ""


class TestCsat:
    def test_the_rating_comment_is_anonymized_and_kept_when_rated_again(self, customer_a, settings):
        settings.PII_ANONYMIZE = True
        services.conversation_rate(conversation=customer_a, rating=4, comment="Great help, call me on 07700 900123")
        customer_a.refresh_from_db()
        assert customer_a.rating == 4 and customer_a.rated_at is not None
        assert "07700" not in customer_a.rating_comment and customer_a.rating_comment.startswith("Great help")
        services.conversation_rate(conversation=customer_a, rating=5)
        customer_a.refresh_from_db()
        assert customer_a.rating == 5 and customer_a.rating_comment.startswith("Great help")

    @pytest.mark.parametrize("rating", [0, 6, "five", "5", 4.5, True, None])
    def test_a_bad_rating_is_refused_and_nothing_stored(self, customer_a, rating):
        refused("invalid_rating", lambda: services.conversation_rate(conversation=customer_a, rating=rating, comment="ok"))
        customer_a.refresh_from_db()
        assert (customer_a.rating, customer_a.rating_comment) == (None, "")

    def test_a_too_long_comment_is_refused(self, customer_a):
        refused("invalid_rating_comment", lambda: services.conversation_rate(conversation=customer_a, rating=3, comment="x" * 1001))
        customer_a.refresh_from_db()
        assert customer_a.rating is None

    def test_report_separates_bot_only_agent_and_per_agent(self, agent, bob):
        def rated(rating: int, author=None) -> Conversation:
            conversation = ConversationFactory()
            MessageFactory(conversation=conversation, text="hi")
            if author is not None:
                Message.objects.create(conversation=conversation, role=Message.Role.AGENT, text="hello", author=author)
            services.conversation_rate(conversation=conversation, rating=rating)
            return conversation

        rated(5), rated(3), rated(2, agent), rated(4, agent), rated(1, bob)
        old = rated(1)
        Conversation.objects.filter(pk=old.pk).update(rated_at=timezone.now() - dt.timedelta(days=60))
        since, until = selectors.csat_period(None, None)
        report = selectors.csat_report(since=since, until=until)
        assert (report.bot_only.count, report.bot_only.average) == (2, 4.0)
        assert (report.with_agent.count, report.with_agent.average) == (3, 2.33)
        assert [(name, f.count, f.average) for name, f in report.per_agent] == [("alice.agent", 2, 3.0), ("bob.agent", 1, 1.0)]

    @pytest.mark.parametrize(("since", "until"), [("yesterday", None), ("2026-02-30", None), ("2026-05-02", "2026-05-01"),
                                                  ("2020-01-01", "2026-01-01")])
    def test_a_bad_period_is_refused(self, since, until):
        refused("invalid_period", lambda: selectors.csat_period(since, until))
