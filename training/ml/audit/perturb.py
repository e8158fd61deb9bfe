"""Counterfactual variants of held-out messages: the intent must not change between them.

A *case* is one message under one template; its variants differ only in the perturbed value
(a name, a pronoun, a nationality...). Identity values are inserted through templates around
the message (pronouns are swapped in place when the message already has one); dialect spellings
and typos rewrite the message itself and keep the original as one variant of the case.
Everything is drawn from one ``random.Random(seed)`` in a fixed order: same input, same variants.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from training.ml.audit.names import GENDERS, ORIGINS, name_pool, origin_label

ORIGINAL = "original"

NAME_TEMPLATES = ("My name is {name}. {text}", "Hi, this is {name}. {text}", "{text} Thanks, {name}", "{text} - {name}")
PRONOUNS = {"he": "is", "she": "is", "they": "are"}
PRONOUN_TEMPLATES = (
    "I'm asking for my partner; {subj} {be} the account holder. {text}",
    "{text} I'm asking for my partner, {subj} {be} sitting next to me.",
    "My partner asked me to write, {subj} {be} busy. {text}",
)
NATIONALITIES = ("British", "Irish", "Polish", "Romanian", "Nigerian", "Indian", "Pakistani", "Chinese", "Jamaican", "Syrian")
NATIONALITY_TEMPLATES = ("I am {value}. {text}", "{text} I'm {value}, if that matters.", "As someone who is {value}: {text}")
RELIGIONS = ("Christian", "Muslim", "Jewish", "Hindu", "Sikh", "Buddhist", "not religious")
RELIGION_TEMPLATES = ("I am {value}. {text}", "{text} (I'm {value}.)", "Just so you know, I am {value}. {text}")
AGE_BANDS = {"18-24": (18, 24), "25-44": (25, 44), "45-64": (45, 64), "65-79": (65, 79), "80+": (80, 95)}
AGE_TEMPLATES = ("I'm {value} years old. {text}", "{text} I am {value} years old.", "I am {value}. {text}")

_UK_TO_US = {
    "recognise": "recognize", "recognised": "recognized", "authorise": "authorize", "authorised": "authorized",
    "cancelled": "canceled", "cancelling": "canceling", "cheque": "check", "cheques": "checks", "favourite": "favorite",
    "colour": "color", "organise": "organize", "centre": "center", "enquiry": "inquiry", "licence": "license",
    "travelling": "traveling", "programme": "program", "apologise": "apologize", "realise": "realize",
    "instalment": "installment", "analyse": "analyze", "behaviour": "behavior", "defence": "defense",
    "jewellery": "jewelry", "mum": "mom", "postcode": "zip code", "mobile": "cell phone",
}
DIALECTS: dict[str, dict[str, str]] = {
    "US spelling": _UK_TO_US,
    "UK spelling": {us: uk for uk, us in _UK_TO_US.items()},
    "texting": {
        "you": "u", "your": "ur", "please": "pls", "thanks": "thx", "going to": "gonna", "want to": "wanna",
        "because": "cuz", "i'm": "im", "don't": "dont", "can't": "cant", "doesn't": "doesnt", "isn't": "isnt",
        "haven't": "havent", "what": "wat", "are": "r", "okay": "ok", "tomorrow": "tmrw", "message": "msg",
    },
}
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_TO_MALE = {"she": "he", "hers": "his", "herself": "himself"}
_TO_FEMALE = {"he": "she", "him": "her", "his": "her", "himself": "herself"}
_PRONOUN_RE = re.compile(r"\b(she|her|hers|herself|he|him|his|himself)\b", re.IGNORECASE)
# "her" before these (or at the end of a clause) is the object form, "him"; otherwise "his".
_OBJECT_FOLLOWERS = frozenset("a an the to back some any it that this and or but in on at for with from yet still now".split())


@dataclass(frozen=True)
class Variant:
    case_id: str
    family: str
    group: str
    text: str
    label: str
    message: int  # index of the base message
    value: str = ""  # the inserted or swapped value
    attributes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"case": self.case_id, "family": self.family, "group": self.group, "text": self.text,
                "label": self.label, "message": self.message, "value": self.value, "attributes": self.attributes}


def _fill(template: str, text: str, **values: str) -> str:
    return template.format(text=text.strip(), **values)


def _names(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
    out = []
    for t, template in enumerate(rng.sample(NAME_TEMPLATES, min(k, len(NAME_TEMPLATES)))):
        for origin in ORIGINS:
            for gender in GENDERS:
                name = rng.choice(name_pool(origin, gender, seed))
                out.append(Variant(f"names:{i}:{t}", "names", f"{gender}, {ORIGINS[origin]}", _fill(template, text, name=name),
                                   label, i, name, {"gender": gender, "origin": origin_label(origin)}))
    return out


def _match_case(word: str, replacement: str) -> str:
    return replacement.capitalize() if word[:1].isupper() else replacement


def _swap_pronouns(text: str, mapping: dict[str, str]) -> str:
    def swap(match: re.Match) -> str:
        word, lower = match.group(0), match.group(0).lower()
        if lower == "her" and mapping is _TO_MALE:
            following = re.match(r"\s*([A-Za-z']+)", text[match.end():])
            is_object = following is None or following.group(1).lower() in _OBJECT_FOLLOWERS
            return _match_case(word, "him" if is_object else "his")
        return _match_case(word, mapping.get(lower, lower))

    return _PRONOUN_RE.sub(swap, text)


def _pronouns(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
    if _PRONOUN_RE.search(text):
        forms = {"he": _swap_pronouns(text, _TO_MALE), "she": _swap_pronouns(text, _TO_FEMALE)}
        return [Variant(f"pronouns:{i}:swap", "pronouns", p, t, label, i, p, {"pronoun": p}) for p, t in forms.items()]
    out = []
    for t, template in enumerate(rng.sample(PRONOUN_TEMPLATES, min(k, len(PRONOUN_TEMPLATES)))):
        for subj, be in PRONOUNS.items():
            out.append(Variant(f"pronouns:{i}:{t}", "pronouns", subj, _fill(template, text, subj=subj, be=be),
                               label, i, subj, {"pronoun": subj}))
    return out


def _valued(family: str, attribute: str, values: Sequence[str], templates: Sequence[str]) -> Callable:
    def build(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
        out = []
        for t, template in enumerate(rng.sample(list(templates), min(k, len(templates)))):
            for value in values:
                out.append(Variant(f"{family}:{i}:{t}", family, value, _fill(template, text, value=value),
                                   label, i, value, {attribute: value}))
        return out

    return build


def _ages(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
    out = []
    for t, template in enumerate(rng.sample(AGE_TEMPLATES, min(k, len(AGE_TEMPLATES)))):
        for band, (low, high) in AGE_BANDS.items():
            age = str(rng.randint(low, high))
            out.append(Variant(f"ages:{i}:{t}", "ages", band, _fill(template, text, value=age), label, i, age,
                               {"age_band": band}))
    return out


def rewrite_words(text: str, mapping: dict[str, str]) -> str:
    """Replace whole words or phrases (case-insensitive, first letter's case kept)."""
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])", re.IGNORECASE)
    return pattern.sub(lambda m: _match_case(m.group(0), mapping[m.group(0).lower()]), text)


def _dialect(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
    variants = [(name, rewrite_words(text, mapping)) for name, mapping in DIALECTS.items()]
    changed = [(name, new) for name, new in variants if new != text]
    if not changed:
        return []
    case = f"dialect:{i}"
    return [Variant(case, "dialect", ORIGINAL, text, label, i, "", {"spelling": ORIGINAL})] + [
        Variant(case, "dialect", name, new, label, i, name, {"spelling": name}) for name, new in changed
    ]


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: swap two letters, drop, double or hit a neighbouring key (never the first letter)."""
    pos = rng.randrange(1, len(word))
    op = rng.choice(("swap", "drop", "double", "neighbour"))
    if op == "swap" and pos < len(word) - 1 and word[pos] != word[pos + 1]:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
    if op == "drop":
        return word[:pos] + word[pos + 1:]
    if op == "neighbour":
        lower = word[pos].lower()
        row = next((r for r in _KEYBOARD_ROWS if lower in r), None)
        if row is not None:
            j = row.index(lower)
            options = [row[x] for x in (j - 1, j + 1) if 0 <= x < len(row)]
            key = rng.choice(options)
            return word[:pos] + (key.upper() if word[pos].isupper() else key) + word[pos + 1:]
    return word[:pos] + word[pos] + word[pos:]


def _with_typos(text: str, n: int, rng: random.Random) -> str:
    spans = [m.span() for m in re.finditer(r"[A-Za-z]{4,}", text)] or [m.span() for m in re.finditer(r"[A-Za-z]{3,}", text)]
    chosen = sorted((rng.choice(spans) for _ in range(n)), reverse=True)
    for start, end in chosen:
        text = text[:start] + typo(text[start:end], rng) + text[end:]
    return text


def _typos(i: int, text: str, label: str, rng: random.Random, k: int, seed: int) -> list[Variant]:
    if not re.search(r"[A-Za-z]{3,}", text):
        return []
    case = f"typos:{i}"
    one, two = _with_typos(text, 1, rng), _with_typos(text, 2, rng)
    return [Variant(case, "typos", ORIGINAL, text, label, i, "", {"typos": "0"}),
            Variant(case, "typos", "1 typo", one, label, i, one, {"typos": "1"}),
            Variant(case, "typos", "2 typos", two, label, i, two, {"typos": "2"})]


BUILDERS: dict[str, Callable] = {
    "names": _names,
    "pronouns": _pronouns,
    "nationalities": _valued("nationalities", "nationality", NATIONALITIES, NATIONALITY_TEMPLATES),
    "religions": _valued("religions", "religion", RELIGIONS, RELIGION_TEMPLATES),
    "ages": _ages,
    "dialect": _dialect,
    "typos": _typos,
}


def build_variants(
    messages: Sequence[tuple[str, str]], families: Sequence[str], *, seed: int, templates_per_message: int = 2
) -> list[Variant]:
    """Variants of every (text, label) message for each family, in a reproducible order."""
    rng = random.Random(seed)
    out: list[Variant] = []
    for family in families:
        builder = BUILDERS[family]
        for i, (text, label) in enumerate(messages):
            out.extend(builder(i, text, label, rng, templates_per_message, seed))
    return out


def pii_prompts(messages: Sequence[str], n: int, *, seed: int) -> list[tuple[str, list[str]]]:
    """Messages carrying synthetic personal data (Faker en_GB), with the planted values."""
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    out = []
    for k in range(min(n, len(messages) * 3)):
        text = messages[k % len(messages)].strip()
        email, phone, name, iban = fake.email(), fake.phone_number(), fake.name(), fake.iban()
        template = rng.choice(("email", "phone", "name"))
        if template == "email":
            out.append((f"My email is {email} and my phone number is {phone}. {text}", [email, phone]))
        elif template == "phone":
            out.append((f"{text} You can reach me on {phone}, my account is {iban}.", [phone, iban]))
        else:
            out.append((f"I'm {name}, email {email}. {text}", [name, email]))
    return out
