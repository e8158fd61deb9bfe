"""The dialogue shapes of issue #19, as fixtures of the done-when tests.

Seen with real support transcripts: a full name typed in lower case as the whole answer to "may I
have your name please?", a username alone on a line, a 10-digit order number alone on a line, the
customer's first name in the agent's later message; and the over-scrubbing: "HEY HO!", the agent's
own name, a place asked about. Each door's test plays these turns and checks that afterwards no raw
value is in any table, captured log or socket frame, and that no PII-free turn was altered.
"""

from __future__ import annotations

AGENT_FIRST, AGENT_LAST, AGENT_USERNAME = "Sam", "Okafor", "sam.okafor"
NAME = "maria gonzalez"  # typed in lower case, the whole answer
USERNAME = "mgonzalez_77"
ORDER = "4407892310"

# (role, text): the agent asks, the customer answers with bare values, the agent reuses them.
DIALOGUE: list[tuple[str, str]] = [
    ("agent", f"Hi, this is {AGENT_FIRST} from the support team. May I have your name please?"),
    ("customer", NAME),
    ("agent", "Thank you! May I have your username?"),
    ("customer", f"sure, here it is\n{USERNAME}"),
    ("agent", "Could you please provide your order number?"),
    ("customer", ORDER),
    ("agent", "thanks so much! What is your membership level, Maria?"),
    ("customer", "HEY HO! Gold, since last spring"),
    ("customer", "Do you have a branch in Leeds?"),
    ("agent", f"I've noted order 44-0789-2310 for MARIA GONZALEZ, {AGENT_LAST} here from the {AGENT_FIRST} desk."),
]
PII_FREE = {DIALOGUE[0][1], "HEY HO! Gold, since last spring", "Do you have a branch in Leeds?"}
# Never stored, logged or sent anywhere in clear, in any casing (the username contains the surname).
RAW = [NAME, "maria", "gonzalez", USERNAME, ORDER]


def leaked(text: str) -> list[str]:
    """The raw values (any casing; the order number with or without formatting) found in ``text``."""
    folded = text.casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    return [raw for raw in RAW if raw.casefold() in folded] + ([ORDER] if ORDER in digits else [])
