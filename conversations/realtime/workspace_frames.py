"""The agent workspace's frames on the console socket (docs/protocol.md): who is online, a conversation's
private notes and tags, and the transfer frame's target. Built in a worker thread (they read the database)."""

from __future__ import annotations

from conversations import selectors, services
from conversations.events import AvailabilityEvent, note_payload
from conversations.models import Conversation


def _agents() -> list[dict]:
    """Everyone a conversation can be transferred to, with whether they are online now."""
    online = set(selectors.agents_online().values_list("user_id", flat=True))
    return [{"username": u.get_username(), "name": u.get_short_name() or u.get_username(), "online": u.pk in online}
            for u in selectors.agents_who_answer()]


def workspace_frame(user: object) -> dict:
    services.agent_seen(agent=user)
    agents = _agents()
    return {"type": "workspace", "me": user.get_username(), "availability": selectors.agent_availability(user),  # type: ignore[attr-defined]
            "agents": agents, "agents_online": sum(a["online"] for a in agents)}


def transcript_extras(conversation: Conversation) -> dict:
    """What the console's transcript frame carries for agents only: the private notes."""
    return {"notes": [note_payload(n) for n in selectors.conversation_notes(conversation)]}


def availability_frame(user: object, event: AvailabilityEvent) -> dict:
    agents = _agents()
    return {"type": "availability", "agent": event["agent"], "availability": event["availability"],
            "mine": event["agent"] == user.get_username(), "agents": agents,  # type: ignore[attr-defined]
            "agents_online": sum(a["online"] for a in agents)}


def transfer(*, conversation: Conversation, by: object, to_agent: object, note: object) -> None:
    target = None if to_agent in (None, "") else services.agent_by_username(to_agent)
    services.conversation_transfer(conversation=conversation, to_agent=target, by=by, note=note)  # type: ignore[arg-type]
