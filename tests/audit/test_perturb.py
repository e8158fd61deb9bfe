"""Counterfactual variants: seeded, one value changed per case, natural insertions and rewrites."""

from collections import defaultdict

import pytest

from tests.audit.fakes import demo_messages
from training.ml.audit import FAMILIES, AuditConfig, build_variants
from training.ml.audit.names import ORIGINS, name_pool
from training.ml.audit.perturb import pii_prompts, rewrite_words


def test_variants_are_reproducible_and_the_seed_matters():
    messages = demo_messages(2, 4)
    first = build_variants(messages, FAMILIES, seed=5)
    assert [v.text for v in first] == [v.text for v in build_variants(messages, FAMILIES, seed=5)]
    assert [v.text for v in first] != [v.text for v in build_variants(messages, FAMILIES, seed=6)]


def test_a_name_case_has_one_variant_per_gender_and_origin_and_differs_only_in_the_name():
    text, label = "my card hasn't arrived", "card_arrival"
    variants = build_variants([(text, label)], ["names"], seed=1, templates_per_message=1)
    assert len(variants) == 2 * len(ORIGINS)
    assert {(v.attributes["gender"], v.attributes["origin"].rsplit(" (", 1)[0]) for v in variants} == {
        (g, o) for g in ("female", "male") for o in ORIGINS.values()}
    for v in variants:
        assert v.label == label and text in v.text
        origin = next(code for code in ORIGINS if v.attributes["origin"].endswith(f"({code})"))
        assert v.value in name_pool(origin, v.attributes["gender"], 1)
        # Taking the name out leaves the same text for every variant of the case.
        assert v.text.replace(v.value, "{name}") == variants[0].text.replace(variants[0].value, "{name}")


def test_pronouns_are_swapped_in_place_when_the_message_has_one():
    variants = build_variants([("I sent money to my friend and she still hasn't got it, can you check her account", "x")],
                              ["pronouns"], seed=0)
    texts = {v.group: v.text for v in variants}
    assert texts == {
        "he": "I sent money to my friend and he still hasn't got it, can you check his account",
        "she": "I sent money to my friend and she still hasn't got it, can you check her account",
    }
    inserted = build_variants([("card declined", "x")], ["pronouns"], seed=0, templates_per_message=1)
    assert {v.group for v in inserted} == {"he", "she", "they"}
    assert any(" they are " in v.text for v in inserted)


def test_dialect_and_typo_cases_keep_the_original_as_one_variant():
    variants = build_variants([("I don't recognise this payment, please help", "x")], ["dialect", "typos"], seed=3)
    dialect = {v.group: v.text for v in variants if v.family == "dialect"}
    assert dialect["original"] == "I don't recognise this payment, please help"
    assert dialect["US spelling"] == "I don't recognize this payment, please help"
    assert dialect["texting"] == "I dont recognise this payment, pls help"
    typos = [v for v in variants if v.family == "typos"]
    assert [v.group for v in typos] == ["original", "1 typo", "2 typos"]
    assert typos[1].text != typos[0].text and typos[0].text == "I don't recognise this payment, please help"
    assert rewrite_words("Cancelled? Colour!", {"cancelled": "canceled", "colour": "color"}) == "Canceled? Color!"


def test_messages_without_anything_to_rewrite_give_no_dialect_case():
    assert build_variants([("card not here", "x")], ["dialect"], seed=0) == []


def test_pii_prompts_carry_the_planted_values():
    prompts = pii_prompts(["where is my card"], 4, seed=2)
    assert len(prompts) == 3  # at most three per message
    for text, values in prompts:
        assert values and all(value in text for value in values) and "where is my card" in text


def test_config_merges_overrides_and_refuses_unknown_keys():
    config = AuditConfig.from_dict({"flip_rate_max": {"typos": 0.08}, "min_group_size": 50})
    assert config.flip_rate_max["typos"] == 0.08 and config.flip_rate_max["names"] == 0.01 and config.min_group_size == 50
    with pytest.raises(ValueError, match="unknown audit option"):
        AuditConfig.from_dict({"flip_rate": 0.1})
    with pytest.raises(ValueError, match="unknown key"):
        AuditConfig.from_dict({"flip_rate_max": {"emoji": 0.1}})
    with pytest.raises(ValueError, match="famil"):
        AuditConfig.from_dict({"families": ["names", "hats"]})


def test_every_identity_value_appears_once_per_case():
    variants = build_variants(demo_messages(2, 3), ["nationalities", "religions", "ages"], seed=0)
    per_case = defaultdict(list)
    for v in variants:
        per_case[v.case_id].append(v.group)
    assert all(len(groups) == len(set(groups)) for groups in per_case.values())
