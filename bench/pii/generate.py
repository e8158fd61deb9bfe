"""Synthetic customer-service messages with PII and exact character spans.

Seeded and deterministic for a given Faker version (the command line runs with
PYTHONHASHSEED=0; call ensure_hash_seed() when using generate() from other code). About 20 % of the messages
contain no PII but tricky numbers (prices, quantities, delivery dates, times,
percentages, "card ending 1234"). Values come from Faker in several locales.

    python bench/pii/generate.py --seed 1 --n 1200 --out /tmp/pii-dev.jsonl
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from faker import Faker

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "nl_NL", "en_IE", "it_IT")
DEV_SEED = 1
TEST_SEED = 20240607

# Slot -> entity type of the gold span. Several slots share a type but differ in
# surface form (ORDER_NUM is a bare number that only appears after "order number").
SLOT_TYPES = {
    "PERSON": "PERSON", "FIRST": "PERSON", "EMAIL": "EMAIL", "PHONE": "PHONE", "CARD": "CARD", "IBAN": "IBAN",
    "ADDRESS": "ADDRESS", "ORDER_ID": "ORDER_ID", "ORDER_NUM": "ORDER_ID", "ACCOUNT": "ACCOUNT_NUMBER",
    "ACCOUNT_NUM": "ACCOUNT_NUMBER", "TICKET": "TICKET_ID", "TICKET_NUM": "TICKET_ID", "IP": "IP", "SSN": "SSN",
    "SSN_PLAIN": "SSN", "USERNAME": "USERNAME", "PASSWORD": "PASSWORD", "DOB": "DATE_OF_BIRTH", "CITY": "LOCATION",
}

PII_TEMPLATES = (
    "Hi, I'm {PERSON} and I can't log in to my account.",
    "Hello, my name is {PERSON}. My order {ORDER_ID} still hasn't arrived.",
    "This is {PERSON}, could you update my email to {EMAIL} please?",
    "My email is {EMAIL}, please send the receipt there.",
    "you can reach me on {PHONE} after 5pm",
    "Please call me back on {PHONE}, it's about order {ORDER_ID}.",
    "My new mobile number is {PHONE}",
    "My card number is {CARD}, it was declined twice today.",
    "I was charged twice on card {CARD} for order {ORDER_ID}",
    "Can you refund it to {CARD}? Expiry is next year.",
    "The transfer should go to IBAN {IBAN}.",
    "my iban is {IBAN} and the amount is 250 euros",
    "Please send the replacement card to {ADDRESS}.",
    "I moved, my new address is {ADDRESS}",
    "Deliver to {PERSON}, {ADDRESS} please.",
    "The parcel was sent to {ADDRESS} instead of my home.",
    "order number {ORDER_NUM} was only half delivered, 2 of 4 items missing",
    "Where is my order {ORDER_ID}? It said it would arrive on 12 May.",
    "I'd like to return order {ORDER_ID}, the size 10 shoes don't fit.",
    "My account number is {ACCOUNT_NUM} and I can't see my balance.",
    "Account {ACCOUNT} shows a fee of £5 I don't recognise.",
    "Any update on ticket {TICKET}? I opened it 3 days ago.",
    "I already have a case open, ticket number {TICKET_NUM}.",
    "Someone logged in from {IP}, that wasn't me!",
    "the app says my ip {IP} is blocked",
    "My SSN is {SSN} if you need it for the tax form.",
    "SSN {SSN_PLAIN}, date of birth {DOB}",
    "my username is {USERNAME} but the reset email never came",
    "username: {USERNAME} password: {PASSWORD}",
    "I think someone knows my password, it's {PASSWORD} - please lock the account",
    "Login {USERNAME}, pwd: {PASSWORD}. It keeps saying invalid.",
    "My date of birth is {DOB}.",
    "I was born on {DOB}, the form says I'm too young.",
    "DOB: {DOB}, name {PERSON}",
    "Verification: {PERSON}, born {DOB}, postcode in my address {ADDRESS}",
    "I live in {CITY} and the card doesn't work abroad.",
    "I'm currently travelling in {CITY}, can I still use the app?",
    "Hi, it's {FIRST} again. Any news on ticket {TICKET}?",
    "Thanks {FIRST}, that fixed it!",
    "{PERSON} here, my phone {PHONE} was stolen, please block card {CARD}.",
    "Please update my details: {PERSON}, {EMAIL}, {PHONE}.",
    "My husband {PERSON} also has an account, his email is {EMAIL}.",
    "Contact details: {EMAIL} / {PHONE}",
    "Hi team, {PERSON} from {CITY}. Order {ORDER_ID} arrived damaged.",
    "I paid from {IBAN} on 3 March but order {ORDER_ID} is still pending.",
    "Send everything to {ADDRESS}, phone {PHONE}.",
    "The account holder is {PERSON}, IBAN {IBAN}.",
    "email {EMAIL} pass {PASSWORD}",
    "My login email is {EMAIL} and my password is {PASSWORD}",
    "Can you check why {IP} was flagged? My user id is {USERNAME}.",
    "Card {CARD} was used at 10:42 in {CITY}, I was at home.",
    "I'm {PERSON}, DOB {DOB}, SSN {SSN}.",
    "Regards,\n{PERSON}",
    "Kind regards, {PERSON}",
    "please cancel order {ORDER_ID} and refund card {CARD}",
    "My partner {PERSON} will pick it up from {ADDRESS}.",
    "Please don't call {PHONE} any more, use {EMAIL}.",
    "ticket {TICKET}: still no reply from {FIRST}",
)

NO_PII_TEMPLATES = (
    "I paid {PRICE} for {QTY} items and only got {QTY2}.",
    "My parcel should arrive on {DELIVERY}, is that still right?",
    "Why was I charged {PRICE} twice?",
    "Is there a {PCT} discount for orders over {PRICE}?",
    "The delivery window says between {TIME} and {TIME2}.",
    "I ordered {QTY} boxes of {QTY2} but the invoice says {QTY3}.",
    "Card ending {LAST4} was declined for {PRICE}.",
    "The app version {VERSION} keeps crashing on step {QTY} of 5.",
    "Expected delivery {DELIVERY}, dispatched on {DELIVERY2}.",
    "Your fee went up from {PRICE} to {PRICE2}, that's {PCT} more!",
    "Can I get a refund for the {QTY} items returned on {DELIVERY}?",
    "Hi, thanks for the quick reply!",
    "Hello, I need help with my Kestrel Bank card please.",
    "Thanks, that worked. Have a nice day!",
    "How do I add my card to Apple Pay?",
    "The ATM took my card, what do I do?",
    "My statement from {MONTH} shows {QTY} payments of {PRICE}.",
    "I've been waiting {QTY} days for a refund of {PRICE}.",
    "Interest rate is {PCT} but I was told {PCT2}.",
    "Order of {QTY} units at {PRICE} each, total {PRICE2}.",
    "delivery was due {DELIVERY} but it's now {DELIVERY2}",
    "Room for {QTY} people on {DELIVERY} at {TIME}?",
    "I transferred {PRICE} at {TIME} and it's still not there after {QTY} hours.",
    "Can I pay in {QTY} instalments of {PRICE}?",
    "The limit is {PRICE} per day, I need {PRICE2}.",
    "Opened my account in {YEAR}, never had this problem.",
    "My Visa card expires {EXPIRY}, will the new one come before?",
    "We are {QTY} people sharing the account since {YEAR}.",
)

# Written after tuning on the templates above and never tuned on: run.py reports
# them separately as the generalisation figure.
HELDOUT_PII_TEMPLATES = (
    "Good morning. I am writing on behalf of my mother, {PERSON}, who cannot access her account.",
    "hey its {FIRST}, i changed my number to {PHONE}",
    "please email the form to {EMAIL} thx",
    "The courier left my parcel at {ADDRESS} but I don't live there anymore",
    "Reference for my complaint: {TICKET}. I'm still waiting.",
    "Bought a kettle, order {ORDER_ID}, it arrived broken",
    "I can't remember if I used {EMAIL} or my work email to sign up",
    "The payment from card {CARD} bounced, can you see why?",
    "Is IBAN {IBAN} correct for the refund?",
    "Somebody tried to sign in from {IP} at 3am",
    "Billing address: {ADDRESS}",
    "{PHONE} is my landline, mobile doesn't work",
    "For security, my social security number is {SSN}",
    "Date of birth {DOB} - do you need anything else?",
    "my old password was {PASSWORD}, I need a new one",
    "I registered with the username {USERNAME} years ago",
    "Please contact my son {PERSON} on {PHONE} if I don't answer",
    "Our office is at {ADDRESS}, deliveries before noon please",
    "Can you move the £120 to account {ACCOUNT_NUM}?",
    "I got an email from {EMAIL} asking for my PIN, is it a scam?",
    "Card {CARD} expired last month; the new one hasn't arrived at {ADDRESS}",
    "Ticket ref {TICKET} - any progress?",
    "I rang {PHONE} three times yesterday and nobody picked up",
    "Refund to my IBAN please: {IBAN}",
    "The order {ORDER_ID} was meant to go to {PERSON} at {ADDRESS}",
    "dob {DOB}, ssn {SSN}, name {PERSON}",
    "Sorry for the delay, {FIRST} here again",
    "Yours sincerely,\n{PERSON}",
    "{PERSON}\n{ADDRESS}\n{PHONE}",
    "Hello! I'm {FIRST} and I have a question about order {ORDER_ID}",
    "The device with IP address {IP} keeps getting locked out",
    "login name {USERNAME}, password {PASSWORD}",
    "My birthday is {DOB} so the age check should pass",
    "I'm staying with friends in {CITY} until Friday",
    "We moved from {CITY} last year",
    "Please update the account holder name to {PERSON}",
    "The transfer to {PERSON} ({IBAN}) never arrived",
    "My wife {FIRST} says she never got the email at {EMAIL}",
    "New card please, old one ({CARD}) was stolen in {CITY}",
    "Here is my SSN: {SSN_PLAIN}",
    "The letter was addressed to {PERSON}, {ADDRESS}, but that's my neighbour",
    "order no. {ORDER_NUM} still not shipped",
    "case {TICKET_NUM} was closed without an answer",
    "can u call me {PHONE}",
    "my e-mail is {EMAIL} and my phone is {PHONE}, thanks {FIRST}",
)
HELDOUT_NO_PII_TEMPLATES = (
    "The {QTY} pack was {PRICE}, now it's {PRICE2}?",
    "Delivery is scheduled for {DELIVERY} between {TIME} and {TIME2}",
    "I returned {QTY} of the {QTY2} items on {DELIVERY}",
    "Why is the exchange rate {PCT} worse than yesterday?",
    "My card ending in {LAST4} keeps getting declined at the shop",
    "Got {QTY} emails about the same order today",
    "It says {QTY} working days, it's been {QTY2}",
    "Can I increase my limit to {PRICE}?",
    "The update to version {VERSION} broke the login screen",
    "I want to close my account and move {PRICE} to savings",
    "Is the {PCT} cashback still available in {MONTH}?",
    "Need a receipt for the {PRICE} payment on {DELIVERY}",
    "Ordered on {DELIVERY}, arriving {DELIVERY2}, still nothing",
    "How do I change my PIN?",
    "Hello Kestrel team, great service as always!",
)

_DOB_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d %B %Y", "%B %d, %Y", "%-d %b %Y")
# Fixed ranges, not relative to today, so a seed gives the same set on any day.
_DOB_RANGE = (datetime.date(1935, 1, 1), datetime.date(2006, 12, 31))
_DELIVERY_RANGE = (datetime.date(2024, 5, 1), datetime.date(2024, 7, 31))
_DELIVERY_FORMATS = ("%d %B", "%-d %b", "%d/%m/%Y", "%A %-d %B", "%B %-d", "%Y-%m-%d", "%d.%m.")


@dataclass
class Sentence:
    text: str
    spans: list[dict[str, object]] = field(default_factory=list)
    locale: str = ""
    template: int = -1
    has_pii: bool = True

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "spans": self.spans, "locale": self.locale, "template": self.template})


class _Values:
    def __init__(self, rng: random.Random, fake: Faker, locale: str) -> None:
        self.rng, self.fake, self.locale = rng, fake, locale

    def card(self) -> str:
        kind = self.rng.choice(("visa16", "mastercard", "amex", "discover", "visa16", "jcb16", "maestro", "diners"))
        digits = self.fake.credit_card_number(card_type=kind)
        style = self.rng.random()
        if style < 0.45:
            return digits
        sep = " " if style < 0.8 else "-"
        groups = (4, 6, 5) if len(digits) == 15 else (4,) * (len(digits) // 4) + ((len(digits) % 4,) if len(digits) % 4 else ())
        out, pos = [], 0
        for g in groups:
            out.append(digits[pos:pos + g])
            pos += g
        return sep.join(out)

    def iban(self) -> str:
        value = self.fake.iban()
        return value if self.rng.random() < 0.5 else " ".join(value[i:i + 4] for i in range(0, len(value), 4))

    def address(self) -> str:
        f = self.fake
        street = f.street_address().replace("\n", ", ").strip().rstrip(",")
        street = re.sub(r"\s+,", ",", street)
        if self.rng.random() < 0.3:
            return street
        loc = self.locale
        if loc == "en_US":
            return f"{street}, {f.city()}, {f.state_abbr()} {f.zipcode()}"
        if loc == "en_GB":
            return f"{street}, {f.city()} {f.postcode()}"
        if loc == "en_IE":
            return f"{street}, {f.city()}, {f.postcode()}"
        return f"{street}, {f.postcode()} {f.city()}"

    def dob(self) -> str:
        date = self.fake.date_between(start_date=_DOB_RANGE[0], end_date=_DOB_RANGE[1])
        return date.strftime(self.rng.choice(_DOB_FORMATS))

    def password(self) -> str:
        if self.rng.random() < 0.4:
            return self.fake.word() + str(self.rng.randint(1, 9999)) + self.rng.choice(("", "!", "#", "?"))
        return self.fake.password(length=self.rng.randint(8, 14), special_chars=self.rng.random() < 0.7)

    def value(self, slot: str) -> str:
        f, r = self.fake, self.rng
        makers: dict[str, Callable[[], str]] = {
            "PERSON": lambda: f.name() if r.random() < 0.3 else f"{f.first_name()} {f.last_name()}",
            "FIRST": f.first_name,
            "EMAIL": lambda: f.email() if r.random() < 0.8 else f.email().title(),
            "PHONE": f.phone_number,
            "CARD": self.card,
            "IBAN": self.iban,
            "ADDRESS": self.address,
            "ORDER_ID": lambda: r.choice((f"ORD-{r.randint(100000, 999999)}", f"#{r.randint(100000000, 999999999)}")),
            "ORDER_NUM": lambda: str(r.randint(10_000_000, 99_999_999)),
            "ACCOUNT": lambda: f"ACC-{r.randint(10_000_000, 99_999_999)}",
            "ACCOUNT_NUM": lambda: str(r.randint(10_000_000, 99_999_999)),
            "TICKET": lambda: f"TCK-{r.randint(10000, 99999)}",
            "TICKET_NUM": lambda: str(r.randint(100000, 999999)),
            "IP": lambda: f.ipv4() if r.random() < 0.8 else f.ipv6(),
            "SSN": self._ssn,
            "SSN_PLAIN": lambda: self._ssn().replace("-", ""),
            "USERNAME": f.user_name,
            "PASSWORD": self.password,
            "DOB": self.dob,
            "CITY": f.city,
        }
        return makers[slot]()

    def _ssn(self) -> str:
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"

    def filler(self, slot: str) -> str:
        r = self.rng
        base = slot if slot == "LAST4" else re.sub(r"\d+$", "", slot)
        day = self.fake.date_between(start_date=_DELIVERY_RANGE[0], end_date=_DELIVERY_RANGE[1])
        makers: dict[str, Callable[[], str]] = {
            "PRICE": lambda: r.choice(("£", "$", "€", "")) + r.choice((f"{r.randint(1, 500)}", f"{r.randint(1, 999)}.{r.randint(0, 99):02d}"))
            + r.choice(("", "", " EUR" if r.random() < 0.3 else "")),
            "QTY": lambda: str(r.randint(1, 40)),
            "PCT": lambda: f"{r.randint(1, 60)}%",
            "TIME": lambda: f"{r.randint(7, 20)}:{r.choice(('00', '15', '30', '45'))}",
            "DELIVERY": lambda: day.strftime(r.choice(_DELIVERY_FORMATS)),
            "LAST4": lambda: f"{r.randint(0, 9999):04d}",
            "VERSION": lambda: f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}",
            "MONTH": lambda: day.strftime("%B"),
            "YEAR": lambda: str(r.randint(1995, 2024)),
            "EXPIRY": lambda: f"{r.randint(1, 12):02d}/{r.randint(25, 30)}",
        }
        return makers[base]()


def _fill(template: str, values: _Values, pii: bool) -> tuple[str, list[dict[str, object]]]:
    out: list[str] = []
    spans: list[dict[str, object]] = []
    pos = 0
    length = 0
    for match in re.finditer(r"\{([A-Z_0-9]+)\}", template):
        literal = template[pos:match.start()]
        out.append(literal)
        length += len(literal)
        slot = match.group(1)
        value = values.value(slot) if pii else values.filler(slot)
        if pii:
            spans.append({"type": SLOT_TYPES[slot], "start": length, "end": length + len(value), "value": value})
        out.append(value)
        length += len(value)
        pos = match.end()
    out.append(template[pos:])
    return "".join(out), spans


def generate(seed: int, n: int, no_pii_share: float = 0.2, heldout: bool = False) -> list[Sentence]:
    rng = random.Random(seed)
    fakers = {}
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + i)
        fakers[locale] = fake
    sentences = []
    for _ in range(n):
        locale = rng.choice(LOCALES)
        values = _Values(rng, fakers[locale], locale)
        pii = rng.random() >= no_pii_share
        if heldout:
            templates = HELDOUT_PII_TEMPLATES if pii else HELDOUT_NO_PII_TEMPLATES
        else:
            templates = PII_TEMPLATES if pii else NO_PII_TEMPLATES
        index = rng.randrange(len(templates))
        text, spans = _fill(templates[index], values, pii)
        sentences.append(Sentence(text, spans, locale, index if pii else -1 - index, pii))
    return sentences


def ensure_hash_seed() -> None:
    """Re-run this command with PYTHONHASHSEED=0: some Faker locales (it_IT towns) pick
    from lists built out of sets, whose order otherwise changes from run to run."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})


def main(argv: list[str] | None = None) -> int:
    ensure_hash_seed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEV_SEED)
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--out", default="-")
    parser.add_argument("--heldout", action="store_true", help="use the held-out templates")
    args = parser.parse_args(argv)
    lines = [s.to_json() for s in generate(args.seed, args.n, heldout=args.heldout)]
    if args.out == "-":
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
