"""Access rows of the copilot (drafts), the hand-off summary, read markers and notification preferences, and the
unanswered-questions report (issue 15 items 1, 2, 4 and 7)."""

from tests.security.endpoints import Call

CONVERSATION = {"public_id": "conversation"}

ROWS = {
    # (URL name, method)                     anon cust_a cust_b agent staff integ old_tok old_conv
    # Drafts are for the agent who has the conversation: the world's conversation is with the bot, hence 409.
    ("conversation-draft", "POST"):            (401, 403, 403, 409, 409, 403, 401, 401),
    # The summary shows placeholders only: whoever may read transcripts; never the customer.
    ("conversation-summary", "GET"):           (401, 403, 403, 200, 200, 200, 401, 401),
    ("conversation-read", "POST"):             (401, 403, 403, 200, 200, 403, 401, 401),
    ("console-unread", "GET"):                 (401, 403, 403, 200, 200, 403, 401, 401),
    ("agent-notifications", "GET"):            (401, 403, 403, 200, 200, 403, 401, 401),
    ("agent-notifications", "PATCH"):          (401, 403, 403, 200, 200, 403, 401, 401),
    # Content gaps: people who write and fix articles.
    ("unanswered-report", "GET"):              (401, 403, 403, 403, 200, 200, 401, 401),
    ("unanswered-report-csv", "GET"):          (401, 403, 403, 403, 200, 200, 401, 401),
}

CALLS = {
    "conversation-draft": Call(CONVERSATION),
    "conversation-summary": Call(CONVERSATION),
    "conversation-read": Call(CONVERSATION, bodies={"POST": {}}),
    "agent-notifications": Call(bodies={"PATCH": {"sound": True}}),
    "unanswered-report": Call(bodies={"GET": {"since": "2026-01-01", "until": "2026-01-31"}}),
    "unanswered-report-csv": Call(bodies={"GET": {"since": "2026-01-01", "until": "2026-01-31"}}),
}
