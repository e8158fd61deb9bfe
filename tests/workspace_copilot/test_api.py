"""The copilot's REST doors: a draft for the agent who has the conversation, the hand-off summary, read markers,
notification preferences, and their answers to bad input (the documented error shape, nothing stored)."""

from __future__ import annotations

from django.urls import reverse

from conversations import services
from conversations.models import AgentProfile, ConversationReadMarker, DraftSuggestion


def _url(name: str, conversation: object) -> str:
    return reverse(name, kwargs={"public_id": conversation.public_id})


def test_an_agent_gets_a_stored_draft_over_rest(bot, taken, agent_api):
    response = agent_api.post(_url("conversation-draft", taken))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["draft"]["text"] == "Your card arrives in 3-5 working days [1]." and body["draft"]["outcome"] == "pending"
    assert DraftSuggestion.objects.get().pk == body["draft"]["id"]


def test_a_conversation_with_nothing_grounded_answers_200_without_a_draft(bot, agent, agent_api):
    conversation = services.conversation_create()
    services.customer_message_receive(conversation=conversation, text="What about my pension?")
    services.conversation_assign(conversation=conversation, agent=agent)
    body = agent_api.post(_url("conversation-draft", conversation)).json()
    assert body == {"draft": None, "reason": "nothing_relevant", "message": body["message"]} and body["message"]


def test_a_draft_for_a_conversation_the_agent_has_not_taken_is_refused(bot, agent_api):
    conversation = services.conversation_create()
    services.customer_message_receive(conversation=conversation, text="Where is my card?")
    response = agent_api.post(_url("conversation-draft", conversation))
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    assert not DraftSuggestion.objects.exists()


def test_the_summary_over_rest(bot, taken, agent_api):
    body = agent_api.get(_url("conversation-summary", taken)).json()
    assert body["handoff_reason"] == "customer_request" and body["handoff_reason_label"] == "Customer asked for a person"
    assert body["wants"] and all(s in "I want a human please Hello, my new card has not arrived yet." for s in body["wants"])
    assert body["may_reveal"] is False


def test_read_markers_and_unread_counts(bot, taken, agent_api):
    public_id = str(taken.public_id)
    assert agent_api.get(reverse("console-unread")).json()["conversations"][public_id] == {"unread": 2, "mine": True, "waiting": False}
    body = agent_api.post(_url("conversation-read", taken), {}, format="json").json()
    assert body["unread"] == 0 and body["last_read_message_id"] == taken.messages.order_by("-id").first().pk
    bad = agent_api.post(_url("conversation-read", taken), {"message": "latest"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"error"}


def test_notification_preferences_are_remembered_and_bad_values_refused(agent, agent_api):
    url = reverse("agent-notifications")
    assert agent_api.get(url).json() == {"desktop": False, "sound": False}
    assert agent_api.patch(url, {"sound": True}, format="json").json() == {"desktop": False, "sound": True}
    for body in ({"sound": "yes"}, {"desktop": 1}, {}, ["sound"]):
        response = agent_api.patch(url, body, format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_preference", body
    assert AgentProfile.objects.get(user=agent).notify_sound is True and not AgentProfile.objects.get(user=agent).notify_desktop
    assert not ConversationReadMarker.objects.exists()
