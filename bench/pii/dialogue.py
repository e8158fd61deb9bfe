"""Synthetic multi-turn support dialogues with PII and exact character spans (issue #19).

Each dialogue is a list of turns (role, text, gold spans). An agent or the bot asks for a value
(many phrasings), the customer answers with the bare value in lower, upper or title case (alone,
with a short lead-in, or alone on its own line), and the value comes back later: the agent says
the customer's first name, the customer repeats an identifier without its formatting. Between
them come PII-free turns with capitalised words, greetings, interjections, place names and the
agent introducing themselves by name (the agent's own name is not the customer's data).

The phrasings come in two disjoint sets: ``tune`` (used while building the detector) and
``heldout`` (written and committed before any tuning, never looked at while tuning). Values
come from Faker in several locales (the same _Values as the single-message set).

    python bench/pii/dialogue.py --seed 1 --n 5 --heldout      # print a few dialogues
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import LOCALES, _Values

# What is asked for -> (gold entity type, phrasings for tuning, held-out phrasings).
# "{agent}" never appears in a question; questions carry no PII themselves.
QUESTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "name": ("PERSON", (
        "May I have your name please?",
        "Could you tell me your full name?",
        "What's your name?",
        "Can I get your first and last name, please?",
        "Who am I speaking with today? Your full name please.",
        "Please type your name as it appears on the account.",
    ), (
        "To get started, what name is the account under?",
        "Before we continue, I'll need your full name.",
        "Could I take your name, please?",
        "Which name should I look up?",
        "And your name is...?",
        "Please confirm the account holder's full name.",
    )),
    "username": ("USERNAME", (
        "May I have your username?",
        "What is the username on your account?",
        "Can you send me your login name?",
        "Please provide your user ID.",
    ), (
        "Which username do you sign in with?",
        "I'll need the username you log in with, please.",
        "What do you use as your username?",
        "Could you share your account username so I can look it up?",
    )),
    "email": ("EMAIL", (
        "What's the email address on the account?",
        "Could you give me your email?",
        "Please confirm your e-mail address.",
    ), (
        "Which email address did you register with?",
        "Where should we send the confirmation email?",
        "What email do you use with us?",
    )),
    "phone": ("PHONE", (
        "What's the best phone number to reach you?",
        "Can I have your mobile number?",
        "Please confirm the phone number on file.",
    ), (
        "Which number can we call you back on?",
        "What telephone number is linked to your account?",
        "Could you tell me your contact number?",
    )),
    "order": ("ORDER_ID", (
        "Could you please provide your order number?",
        "What is the order number?",
        "Can you give me the order ID from your confirmation?",
        "Please send me the order number so I can check.",
    ), (
        "Which order is this about? The number is on your receipt.",
        "I'll need the order number to look into it.",
        "Do you have the number of the order handy?",
        "What's the order number on the confirmation email?",
    )),
    "reference": ("TICKET_ID", (
        "What is your reference number?",
        "Can you give me the case reference?",
        "Please provide the ticket number you were given.",
    ), (
        "Do you have a reference for the earlier complaint?",
        "Which case number did we give you last time?",
        "What reference did the previous agent give you?",
    )),
    "account": ("ACCOUNT_NUMBER", (
        "What is your account number?",
        "Could you confirm your account number please?",
        "Please enter the account number.",
    ), (
        "Which account number is affected?",
        "I'll need the number of the account, please.",
        "Can you read me the account number from your statement?",
    )),
    "card": ("CARD", (
        "What is the card number?",
        "Please type the full card number.",
        "Could you give me the long number on the front of the card?",
    ), (
        "Which card number was charged?",
        "I'll need the full number of the card, please.",
        "Can you read out the card number for me?",
    )),
    "address": ("ADDRESS", (
        "What is your home address?",
        "Please confirm your postal address.",
        "Could you give me the delivery address?",
    ), (
        "Which address should the new card go to?",
        "Where do you live? The full address please.",
        "What address is registered on the account?",
    )),
    "postcode": ("ADDRESS", (
        "What is your postcode?",
        "Can you confirm the post code on the account?",
        "Please provide your ZIP code.",
    ), (
        "Which postcode is the account registered at?",
        "And the postcode, please?",
        "What's the zip code of the billing address?",
    )),
    "dob": ("DATE_OF_BIRTH", (
        "What is your date of birth?",
        "Can you confirm your DOB?",
        "Please give me your date of birth for security.",
    ), (
        "For security, when were you born?",
        "Could you confirm your birth date?",
        "What date of birth do we have for you?",
    )),
}

# Lead-ins around a bare answer. "{v}" is the value; the casing of the value varies separately.
ANSWERS_TUNE = ("{v}", "{v}", "{v}.", "it's {v}", "sure, {v}", "{v} thanks", "ok here it is\n{v}")
ANSWERS_HELDOUT = ("{v}", "{v}", "{v}!", "yes it is {v}", "{v} - thank you", "one sec...\n{v}", "that would be {v}")

# Later turns that reuse a value: by the agent (first name, value), by the customer (identifier unformatted).
AGENT_REUSE_TUNE = (
    "Thanks so much! What is your membership level, {first}?",
    "Great, {first}, I can see the account now.",
    "Thank you {first}. I've found order {value}.",
)
AGENT_REUSE_HELDOUT = (
    "Perfect, thanks {first}! One moment while I check.",
    "{first}, could you also tell me when this started?",
    "I've noted {value} on the ticket, {first}.",
)
CUSTOMER_REUSE_TUNE = ("as I said it's {value}", "did you find {value}?")
CUSTOMER_REUSE_HELDOUT = ("just to repeat: {value}", "any news about {value}?")

# Turns with no personal data at all.
FREE_TUNE = (
    "Hello there!", "HEY HO!", "Good Morning, I Need Help With My Card", "The App Keeps Crashing On Login",
    "Do you have a branch in {city}?", "Are there fees for payments to {country}?", "thanks, that's all",
    "Hi, this is {agent} from the support team.", "Let me check that for you.", "Oh wow, OK.",
    "I Want To Close My Savings Account", "Is the Premium plan worth it?",
)
FREE_HELDOUT = (
    "Howdy!", "YO! Anyone There?", "Why Was My Payment Declined Again", "hmm ok", "Great Stuff, Cheers!",
    "Can I withdraw cash in {city} with this card?", "Does the Gold card work in {country}?",
    "My name is {agent} and I'll be helping you today.", "Is Apple Pay supported?", "Brilliant, Thank You So Much",
    "Oops, wrong button", "Is the {city} office open on Saturdays?",
)

COUNTRIES = ("Spain", "France", "Germany", "Italy", "Portugal", "the Netherlands", "Ireland", "Canada")


@dataclass
class Turn:
    role: str  # customer, agent, bot
    text: str
    spans: list[dict[str, object]] = field(default_factory=list)

    @property
    def has_pii(self) -> bool:
        return bool(self.spans)


@dataclass
class Dialogue:
    locale: str
    turns: list[Turn]
    agent_name: str


def _case(rng: random.Random, value: str) -> str:
    return rng.choice((value.lower(), value.upper(), value.title(), value))


class _DialogueValues(_Values):
    def ask(self, kind: str) -> str:
        f, r = self.fake, self.rng
        makers = {
            "name": lambda: f"{f.first_name()} {f.last_name()}" if r.random() < 0.7 else f.first_name(),
            "username": f.user_name,
            "email": f.email,
            "phone": f.phone_number,
            "order": lambda: str(r.randint(10 ** (r.choice((7, 9)) ), 10 ** 10 - 1)),
            "reference": lambda: r.choice((str(r.randint(100000, 9999999)), f"{f.lexify('??').upper()}{r.randint(10000, 999999)}")),
            "account": lambda: str(r.randint(10_000_000, 999_999_999_999)),
            "card": self.card,
            "address": self.address,
            "postcode": lambda: f.postcode(),
            "dob": self.dob,
        }
        return makers[kind]()


def _answer(rng: random.Random, kind: str, value: str, answers: tuple[str, ...]) -> Turn:
    shown = _case(rng, value) if kind in ("name", "username", "address", "postcode", "email") else value
    template = rng.choice(answers)
    start = template.index("{v}")
    text = template.replace("{v}", shown)
    return Turn("customer", text, [{"type": QUESTIONS[kind][0], "start": start, "end": start + len(shown)}])


def _with_value(template: str, slots: dict[str, tuple[str, str]]) -> Turn:
    """Fill {first}/{value} slots (value, gold type) and record their spans."""
    text, spans = "", []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        text += before
        value, etype = slots[name]
        spans.append({"type": etype, "start": len(text), "end": len(text) + len(value)})
        text += value
    return Turn("agent", text + rest, spans)


def _free(rng: random.Random, fake: Faker, templates: tuple[str, ...], agent: str, role: str) -> Turn:
    text = rng.choice(templates)
    if "{agent}" in text:
        role = "agent"
    text = text.replace("{city}", fake.city()).replace("{country}", rng.choice(COUNTRIES)).replace("{agent}", agent)
    return Turn(role, text)


def generate_dialogues(seed: int, n: int, *, heldout: bool) -> list[Dialogue]:
    rng = random.Random(seed)
    fakers = {}
    for i, locale in enumerate(LOCALES):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 100 + i)
    pick = 2 if heldout else 1
    answers = ANSWERS_HELDOUT if heldout else ANSWERS_TUNE
    agent_reuse = AGENT_REUSE_HELDOUT if heldout else AGENT_REUSE_TUNE
    customer_reuse = CUSTOMER_REUSE_HELDOUT if heldout else CUSTOMER_REUSE_TUNE
    free = FREE_HELDOUT if heldout else FREE_TUNE
    dialogues = []
    for _ in range(n):
        locale = rng.choice(LOCALES)
        fake = fakers[locale]
        values = _DialogueValues(rng, fake, locale)
        agent = fakers["en_GB"].first_name()
        turns: list[Turn] = [_free(rng, fake, free, agent, "customer")]
        kinds = rng.sample(sorted(QUESTIONS), k=3)
        if "name" not in kinds and rng.random() < 0.6:
            kinds[0] = "name"
        first = None
        identifier = None
        for kind in kinds:
            etype, tune_q, held_q = QUESTIONS[kind]
            role = rng.choice(("agent", "bot"))
            turns.append(Turn(role, rng.choice((tune_q, held_q)[pick - 1])))
            value = values.ask(kind)
            turns.append(_answer(rng, kind, value, answers))
            if kind == "name":
                first = turns[-1].text[turns[-1].spans[0]["start"]:turns[-1].spans[0]["end"]].split()[0]
            elif sum(ch.isdigit() for ch in value) >= 6 and kind in ("order", "account", "reference", "phone"):
                identifier = ("".join(ch for ch in value if ch.isalnum()), etype)
            if rng.random() < 0.4:
                turns.append(_free(rng, fake, free, agent, rng.choice(("customer", "agent"))))
        if first is not None:
            template = rng.choice(agent_reuse)
            if "{value}" in template and identifier is None:
                template = agent_reuse[0] if "{value}" not in agent_reuse[0] else agent_reuse[1]
            slots = {"first": (first.title() if rng.random() < 0.7 else first, "PERSON")}
            if identifier is not None:
                slots["value"] = identifier
            turns.append(_with_value(template, slots))
        if identifier is not None:
            turn = _with_value(rng.choice(customer_reuse), {"value": identifier})
            turns.append(Turn("customer", turn.text, turn.spans))
        turns.append(_free(rng, fake, free, agent, "customer"))
        dialogues.append(Dialogue(locale, turns, agent))
    return dialogues


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--heldout", action="store_true")
    args = parser.parse_args(argv)
    for dialogue in generate_dialogues(args.seed, args.n, heldout=args.heldout):
        print(f"--- {dialogue.locale} (agent {dialogue.agent_name})")
        for turn in dialogue.turns:
            gold = [(s["type"], turn.text[s["start"]:s["end"]]) for s in turn.spans]
            print(f"{turn.role:>8}: {turn.text!r} {gold if gold else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
