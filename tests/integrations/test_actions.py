"""Bot actions through the message service, against the demo card-delivery service and a recording server on
loopback: asking for parameters in turn, the call, the filled reply, every failure handing off with its reason,
the PII vault between the conversation and the endpoint, and the definitions' checks over REST."""

from __future__ import annotations

import pytest

from conversations import services
from conversations.models import Conversation, HandoffReason, Intent
from integrations.actions.runtime import MAX_RETRIES, RETRY_PREFIX
from integrations.actions.services import bot_action_save
from integrations.demo_service import delivery_status
from integrations.management.commands.load_demo_actions import DEMO_ACTION
from integrations.models import ActionCall, ActionSession, BotAction
from tests.factories import ConversationFactory
from tests.integrations.demo import demo_action_load, demo_service_running, demo_settings
from tests.integrations.loopback import Reply, loopback_server
from tests.live.pipelines import ANSWER

PROMPT = DEMO_ACTION["parameters"][0]["prompt"]


@pytest.fixture
def demo(db, settings):
    demo_settings(settings)
    settings.PII_ANONYMIZE = False
    Intent.objects.get_or_create(name="card_arrival")
    with demo_service_running(slow_s=2.0) as url:
        demo_action_load(url)
        yield url


def _say(conversation: Conversation, text: str):
    return services.customer_message_receive(conversation=conversation, text=text)


def test_the_bot_asks_for_the_reference_then_answers_from_the_service(demo):
    conversation = ConversationFactory()
    asked = _say(conversation, "Where is my new card?")
    assert asked.reply.role == "bot" and asked.reply.text == PROMPT and asked.reply.answer_tier == "action"
    assert ActionSession.objects.get(conversation=conversation).awaiting == "reference"

    answered = _say(conversation, "It's 12345678")
    expected = delivery_status("12345678")
    assert answered.reply.text == (f"Your card is {expected['status']}: {expected['carrier']} took it on "
                                   f"{expected['dispatched_on']} and it should reach you by {expected['expected_by']}.")
    assert answered.status == "with_bot"
    assert not ActionSession.objects.filter(conversation=conversation).exists()
    call = ActionCall.objects.get()
    assert (call.outcome, call.status_code, call.conversation_id) == ("answered", 200, conversation.pk)


def test_a_reference_in_the_first_message_is_used_at_once(demo):
    conversation = ConversationFactory()
    reply = _say(conversation, "my card order 40000003 hasn't come").reply
    assert reply.text.startswith(f"Your card is {delivery_status('40000003')['status']}:")


def test_an_answer_that_does_not_fit_is_asked_again_then_let_go(demo):
    conversation = ConversationFactory()
    _say(conversation, "Where is my card?")
    for _ in range(MAX_RETRIES):
        assert _say(conversation, "I don't know it").reply.text == RETRY_PREFIX + PROMPT
    # Past the retries the message goes on to the knowledge base, and the question is forgotten.
    assert _say(conversation, "still no idea").reply.text == "".join(ANSWER)
    assert not ActionSession.objects.exists() and not ActionCall.objects.exists()


@pytest.mark.parametrize(
    ("reference", "reason", "outcome", "detail"),
    [
        ("99999999", HandoffReason.ACTION_FAILED, "failed", "HTTP 500"),
        ("00000000", HandoffReason.ACTION_FAILED, "failed", "HTTP 404"),
        ("77777777", HandoffReason.ACTION_TIMEOUT, "timeout", "0.5 s"),
        ("88888888", HandoffReason.ACTION_BAD_RESPONSE, "bad_response", "not JSON"),
        ("66666666", HandoffReason.ACTION_BAD_RESPONSE, "bad_response", "the result has no 'status'"),
    ],
)
def test_failures_hand_off_with_the_reason(demo, reference, reason, outcome, detail):
    conversation = ConversationFactory()
    _say(conversation, "Where is my card?")
    exchange = _say(conversation, reference)
    assert exchange.status == "waiting_for_agent"
    assert exchange.reply.role == "system" and exchange.reply.handoff_reason == reason
    assert exchange.reply.text == DEMO_ACTION["fallback_text"]
    conversation.refresh_from_db()
    assert conversation.handoff_reason == reason
    call = ActionCall.objects.get()
    assert call.outcome == outcome and detail in call.detail and reference not in call.detail


def test_a_wrong_secret_is_refused_by_the_service_and_hands_off(demo, settings):
    settings.ACTION_SECRETS = {"KESTREL_CARDS_TOKEN": "Bearer wrong"}
    conversation = ConversationFactory()
    _say(conversation, "Where is my card?")
    assert _say(conversation, "12345678").reply.handoff_reason == HandoffReason.ACTION_FAILED
    assert ActionCall.objects.get().status_code == 401


def test_without_the_allow_list_the_loopback_service_is_refused(demo, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    conversation = ConversationFactory()
    _say(conversation, "Where is my card?")
    assert _say(conversation, "12345678").reply.handoff_reason == HandoffReason.ACTION_FAILED
    call = ActionCall.objects.get()
    assert call.status_code is None and call.detail.startswith("OutboundRefused") and "loopback" in call.detail


def test_the_endpoint_gets_the_original_and_only_placeholders_are_stored(db, settings):
    """PII on: the reference is personal data (a reference asked for), so the conversation and the action's
    state keep <TICKET_ID_1>, the vault keeps the original, and the endpoint receives the original."""
    demo_settings(settings)
    settings.PII_ANONYMIZE = True
    Intent.objects.get_or_create(name="card_arrival")
    postcode = {"name": "postcode", "prompt": "And the postcode of the delivery address?", "pattern": r"(?i)[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"}
    with loopback_server() as server:
        server.routes["/cards/31415926/delivery"] = Reply.json({"status": "dispatched", "carrier": "DPD",
                                                                "dispatched_on": "1 December", "expected_by": "4 December"})
        bot_action_save(intent="card_arrival", **{**DEMO_ACTION, "headers": {},
                                                  "parameters": [*DEMO_ACTION["parameters"], postcode],
                                                  "url_template": server.url("/cards/{reference}/delivery?postcode={postcode}")})
        conversation = ConversationFactory()
        assert _say(conversation, "Where is my card?").reply.text == PROMPT
        assert _say(conversation, "31415926").reply.text == postcode["prompt"]
        assert ActionSession.objects.get(conversation=conversation).values == {"reference": "<TICKET_ID_1>"}
        reply = _say(conversation, "SW1A 1AA").reply
        assert reply.text == "Your card is dispatched: DPD took it on 1 December and it should reach you by 4 December."
        # The vault keeps the form the PII engine matches later messages by: digits exactly, a postcode case-folded.
        assert server.requests[-1].path.lower() == "/cards/31415926/delivery?postcode=sw1a%201aa"
    texts = list(conversation.messages.values_list("text", flat=True))
    assert "<TICKET_ID_1>" in texts and not any("31415926" in t or "SW1A" in t for t in texts)
    assert conversation.pii_entries.filter(placeholder="<TICKET_ID_1>").exists()
    assert not any("31415926" in c.detail for c in ActionCall.objects.all())


# --- definitions ---------------------------------------------------------------------------------------


@pytest.fixture
def definition(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACTION_SECRETS = {"CARDS_TOKEN": "Bearer x"}
    Intent.objects.get_or_create(name="card_arrival")
    return {"intent": "card_arrival", "name": "Cards", "method": "GET", "url_template": "http://127.0.0.1:9/c/{reference}",
            "headers": {"Authorization": "CARDS_TOKEN"},
            "parameters": [{"name": "reference", "prompt": "Your reference?", "pattern": r"\d{8}"}],
            "reply_template": "It is {{status}}.", "fallback_text": ""}


def test_staff_attach_an_action_and_agents_cannot(db, definition, staff_api, integrator_api, agent_api):
    created = staff_api.post("/api/v1/bot-actions/", definition, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["intent"] == "card_arrival" and created.json()["headers"] == {"Authorization": "CARDS_TOKEN"}
    assert agent_api.get("/api/v1/bot-actions/").status_code == 403
    pk = created.json()["id"]
    assert integrator_api.put(f"/api/v1/bot-actions/{pk}/", {**definition, "reply_template": "Now {{status}}."},
                              format="json").status_code == 200
    assert BotAction.objects.get().reply_template == "Now {{status}}."
    assert staff_api.get(f"/api/v1/bot-actions/{pk}/calls/").json() == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"intent": "no_such_intent"}, "unknown_intent"),
        ({"url_template": "http://127.0.0.1:9/c/{order}"}, "invalid_url"),
        ({"url_template": "http://169.254.169.254/{reference}"}, "url_not_allowed"),
        ({"headers": {"Authorization": "NOT_CONFIGURED"}}, "invalid_headers"),
        ({"parameters": [{"name": "reference", "prompt": "?", "pattern": "(unclosed"}]}, "invalid_parameters"),
        ({"parameters": [{"name": "Bad Name", "prompt": "?", "pattern": "x"}]}, "validation_error"),
    ],
)
def test_a_bad_definition_is_refused_and_nothing_is_stored(db, definition, staff_api, change, code):
    answer = staff_api.post("/api/v1/bot-actions/", {**definition, **change}, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == code
    assert not BotAction.objects.exists()


def test_one_action_per_intent(db, definition, staff_api):
    assert staff_api.post("/api/v1/bot-actions/", definition, format="json").status_code == 201
    answer = staff_api.post("/api/v1/bot-actions/", definition, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "intent_taken"


def test_a_question_asked_before_a_hand_off_is_forgotten_back_with_the_bot(demo):
    conversation = ConversationFactory()
    _say(conversation, "Where is my card?")
    _say(conversation, "I want a human")  # the keyword pipeline's request for a person: handed off
    conversation.refresh_from_db()
    assert conversation.status == "waiting_for_agent"
    services.conversation_return_to_bot(conversation=Conversation.objects.get(pk=conversation.pk))
    # Not taken as an answer to the old question (that would be "Sorry, that doesn't look right"): a new request.
    reply = _say(conversation, "what about my card").reply
    assert reply.text == PROMPT and ActionSession.objects.get(conversation=conversation).values == {}
