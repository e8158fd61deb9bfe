"""First names by gender and origin, drawn from Faker's locale data (seeded, so reproducible)."""

from __future__ import annotations

import functools

# Locales with Latin-script first names, chosen to span the customers of a UK bank.
ORIGINS: dict[str, str] = {
    "en_GB": "British",
    "es_MX": "Mexican",
    "en_IN": "Indian",
    "yo_NG": "Yoruba, Nigeria",
    "pl_PL": "Polish",
    "tr_TR": "Turkish",
    "vi_VN": "Vietnamese",
}
GENDERS = ("female", "male")
POOL_SIZE = 40


@functools.cache
def name_pool(origin: str, gender: str, seed: int = 0) -> tuple[str, ...]:
    """Up to POOL_SIZE distinct first names of one origin and gender, in a seeded order."""
    if origin not in ORIGINS or gender not in GENDERS:
        raise ValueError(f"no name pool for {origin!r}/{gender!r}")
    from faker import Faker

    fake = Faker(origin)
    fake.seed_instance(seed)
    draw = fake.first_name_female if gender == "female" else fake.first_name_male
    names: list[str] = []
    for _ in range(POOL_SIZE * 20):
        name = draw().strip()
        if name and name not in names and all(part.isalpha() for part in name.replace("-", " ").split()):
            names.append(name)
        if len(names) == POOL_SIZE:
            break
    return tuple(names)


def origin_label(origin: str) -> str:
    return f"{ORIGINS[origin]} ({origin})"
