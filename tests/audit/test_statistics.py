"""The audit's statistics against figures computed independently here."""

from collections import defaultdict
from itertools import combinations, product

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, f1_score

from tests.audit.fakes import YORUBA, demo_messages, keyword_predictor, refund_only_for, same_reply
from training.ml.audit import AuditConfig, build_variants
from training.ml.audit.groups import group_performance, macro_f1
from training.ml.audit.invariance import family_invariance, wilson_interval
from training.ml.audit.names import GENDERS, name_pool
from training.ml.audit.report import score_variants
from training.ml.audit.responder import permutation_p_value, pii_leaks, reply_features, responder_disparity, vader_compound

WORDS = {"card": "card_arrival", "activate": "card_activation", "declined": "card_declined", "stolen": "card_lost_or_stolen"}
YORUBA_NAMES = {n for g in GENDERS for n in name_pool("yo_NG", g, 13)}


@pytest.fixture(scope="module")
def config() -> AuditConfig:
    return AuditConfig.from_dict({"n_bootstrap": 300, "n_permutations": 2000})


def test_flip_rate_and_delta_match_a_count_by_hand(config):
    messages = demo_messages(4, 6)
    variants = build_variants(messages, ["names", "typos"], seed=config.seed)
    predict = keyword_predictor(WORDS, triggers=YORUBA_NAMES, target="account_closing")
    scores = score_variants(variants, predict)
    for family in ("names", "typos"):
        body = family_invariance(variants, scores, family=family, config=config)
        cases = defaultdict(list)
        for v, s in zip(variants, scores):
            if v.family == family:
                cases[v.case_id].append(s)
        pairs = [(a, b) for members in cases.values() for a, b in combinations(members, 2)]
        flips = sum(a.label != b.label for a, b in pairs)
        assert body["n_pairs"] == len(pairs) and body["n_flips"] == flips
        assert body["flip_rate"] == pytest.approx(flips / len(pairs))
        assert body["mean_abs_delta_confidence"] == pytest.approx(np.mean([abs(a.confidence - b.confidence) for a, b in pairs]))
    names = family_invariance(variants, scores, family="names", config=config)
    # 14 variants per case, 91 pairs; the two Yoruba variants flip against the 12 others: 24 flips per case.
    assert names["n_pairs"] == 91 * names["n_cases"] and names["n_flips"] == 24 * names["n_cases"]
    assert names["outcomes"]["flip_rate"]["outcome"] == "fail"
    worst_group = max(names["by_group"], key=lambda g: names["by_group"][g]["flip_rate"])
    assert worst_group.endswith("Yoruba, Nigeria") and names["by_group"][worst_group]["flip_rate"] == 12 / 13
    assert names["worst_pairs"][0]["flipped"] is True


def test_wilson_interval_matches_scipy():
    for k, n in ((0, 50), (3, 91), (40, 40), (17, 250)):
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_macro_f1_matches_scikit_learn():
    rng = np.random.default_rng(1)
    for _ in range(20):
        t = rng.choice(list("abcde"), 60)
        p = np.where(rng.random(60) < 0.6, t, rng.choice(list("abcdef"), 60))
        assert macro_f1(t, p) == pytest.approx(f1_score(t, p, average="macro", zero_division=0))


def _tagged(sizes: dict[str, int], accuracy: dict[str, float], seed: int = 0):
    rng = np.random.default_rng(seed)
    y_true, y_pred, groups = [], [], []
    for group, n in sizes.items():
        t = rng.choice(["a", "b", "c", "human_agent"], n)
        right = rng.random(n) < accuracy[group]
        p = np.where(right, t, rng.choice(["oos", "a", "b"], n))
        y_true += list(t)
        y_pred += list(p)
        groups += [group] * n
    return y_true, y_pred, groups


def test_per_group_metrics_match_scikit_learn_by_hand(config):
    y_true, y_pred, groups = _tagged({"x": 120, "y": 100, "z": 90}, {"x": 0.95, "y": 0.8, "z": 0.9})
    body = group_performance(y_true, y_pred, groups, handoff_labels={"human_agent"}, config=config)
    t, p, g = np.array(y_true), np.array(y_pred), np.array(groups)
    expected = {}
    for group in ("x", "y", "z"):
        m = g == group
        expected[group] = {
            "accuracy": accuracy_score(t[m], p[m]),
            "macro_f1": f1_score(t[m], p[m], average="macro", zero_division=0),
            "oos_rate": float(np.mean(p[m] == "oos")),
            "handoff_rate": float(np.mean(np.isin(p[m], ["oos", "human_agent"]))),
        }
        assert body["groups"][group]["n"] == int(m.sum())
        for metric, value in expected[group].items():
            assert body["groups"][group][metric] == pytest.approx(value)
    for metric in ("accuracy", "macro_f1", "oos_rate", "handoff_rate"):
        values = [expected[group][metric] for group in "xyz"]
        assert body["metrics"][metric]["difference"] == pytest.approx(max(values) - min(values))
        assert body["metrics"][metric]["ratio"] == pytest.approx(min(values) / max(values))
    accuracy = body["metrics"]["accuracy"]
    assert accuracy["outcome"] == "fail" and "difference" in accuracy["reason"]
    low, high = accuracy["difference_ci"]
    assert low <= accuracy["difference"] <= high


def test_bootstrap_is_seeded_and_brackets_a_known_gap(config):
    y_true, y_pred, groups = _tagged({"x": 400, "y": 400}, {"x": 1.0, "y": 0.5}, seed=3)
    first = group_performance(y_true, y_pred, groups, handoff_labels=set(), config=config)
    again = group_performance(y_true, y_pred, groups, handoff_labels=set(), config=config)
    reseeded = AuditConfig.from_dict({"n_bootstrap": 300, "seed": 99})
    other = group_performance(y_true, y_pred, groups, handoff_labels=set(), config=reseeded)
    assert first["metrics"]["accuracy"]["difference_ci"] == again["metrics"]["accuracy"]["difference_ci"]
    assert first["metrics"]["accuracy"]["difference_ci"] != other["metrics"]["accuracy"]["difference_ci"]
    gap = first["metrics"]["accuracy"]["difference"]
    low, high = first["metrics"]["accuracy"]["difference_ci"]
    # About 0.37 (wrong guesses are sometimes right); the sampling error of two groups of 400 is ~0.03.
    assert gap - 0.1 < low < gap < high < gap + 0.1 and low > 0.25
    # Identical groups: no gap, and the interval includes zero.
    same = group_performance(y_true[:400] * 2, y_pred[:400] * 2, ["x"] * 400 + ["y"] * 400, handoff_labels=set(), config=config)
    assert same["metrics"]["accuracy"]["difference"] == 0.0 and same["metrics"]["accuracy"]["outcome"] == "pass"
    assert same["metrics"]["accuracy"]["difference_ci"][0] <= 0.0 <= same["metrics"]["accuracy"]["difference_ci"][1]


def test_a_group_too_small_is_reported_with_its_size_and_never_passes(config):
    y_true, y_pred, groups = _tagged({"x": 100, "y": 100, "tiny": 7}, {"x": 0.9, "y": 0.9, "tiny": 0.9})
    body = group_performance(y_true, y_pred, groups, handoff_labels=set(), config=config)
    assert body["too_small"] == [{"group": "tiny", "n": 7}]
    assert body["groups"]["tiny"]["measured"] is False
    for metric, entry in body["metrics"].items():
        if entry["outcome"] != "fail":
            assert entry["outcome"] == "insufficient", metric
            assert "tiny (n=7)" in entry["reason"]
    # Only one group large enough: nothing to compare at all.
    lonely = group_performance(*_tagged({"x": 100, "tiny": 7}, {"x": 0.9, "tiny": 0.1}), handoff_labels=set(), config=config)
    assert {e["outcome"] for e in lonely["metrics"].values()} == {"insufficient"}


def test_permutation_p_value_matches_exact_enumeration():
    matrix = np.array([[1, 0], [1, 0], [1, 1], [0.5, 0], [1, 0.2], [0.7, 0.1], [0, 0.3], [1, 0]])
    observed = abs(matrix[:, 0].mean() - matrix[:, 1].mean())
    exact = 0
    for flips in product((False, True), repeat=len(matrix)):
        m = np.array([row[::-1] if f else row for row, f in zip(matrix, flips)])
        exact += abs(m[:, 0].mean() - m[:, 1].mean()) >= observed - 1e-12
    exact /= 2 ** len(matrix)
    assert permutation_p_value(matrix, n_permutations=20000, seed=0) == pytest.approx(exact, abs=0.015)
    assert permutation_p_value(np.ones((10, 3)), n_permutations=500, seed=0) == 1.0


def test_an_obviously_biased_reply_function_fails_on_remedies_and_a_fair_one_passes(config):
    variants = build_variants(demo_messages(4, 6), ["names"], seed=config.seed, templates_per_message=1)
    sentiment = vader_compound()
    biased = [reply_features(*refund_only_for(YORUBA_NAMES)(v.text), sentiment) for v in variants]
    body = responder_disparity(variants, biased, attribute="origin", config=config)
    remedies = body["measures"]["remedy_rate"]
    by_hand = defaultdict(list)
    for v in variants:
        by_hand[v.attributes["origin"]].append(any(n in v.text for n in YORUBA_NAMES))
    assert remedies["by_group"] == pytest.approx({g: float(np.mean(x)) for g, x in by_hand.items()})
    assert remedies["by_group"][YORUBA] == 1.0 and remedies["difference"] == 1.0
    assert remedies["p_value"] < 0.01 and remedies["outcome"] == "fail"
    assert body["n_blocks"] == 24 * 2  # 24 messages, one template, blocks per (case, gender)
    fair = [reply_features(*same_reply(v.text), sentiment) for v in variants]
    fair_body = responder_disparity(variants, fair, attribute="origin", config=config)
    assert {e["outcome"] for e in fair_body["measures"].values()} == {"pass"}
    assert all(e["p_value"] == 1.0 for e in fair_body["measures"].values())


def test_too_few_paired_prompts_are_insufficient(config):
    variants = build_variants(demo_messages(1, 3), ["nationalities"], seed=0, templates_per_message=1)
    features = [reply_features(*same_reply(v.text), lambda _: 0.0) for v in variants]
    body = responder_disparity(variants, features, attribute="nationality", config=config)
    assert {e["outcome"] for e in body["measures"].values()} == {"insufficient"}
    assert "n=3" in body["measures"]["remedy_rate"]["reason"]


def test_reply_features_read_handoffs_refusals_and_remedies():
    zero = lambda _: 0.0  # noqa: E731
    assert reply_features("I'm sorry, but I'm unable to help with that.", False, zero)["handoff_or_refusal_rate"] == 1.0
    assert reply_features("Passing you to a colleague.", True, zero)["handoff_or_refusal_rate"] == 1.0
    assert reply_features("We can offer compensation for the delay.", False, zero)["remedy_rate"] == 1.0
    assert reply_features("Your card is on its way.", False, zero) == {
        "handoff_or_refusal_rate": 0.0, "reply_length": 6.0, "sentiment": 0.0, "remedy_rate": 0.0}


def test_pii_leak_rate_is_the_share_of_replies_with_personal_data(config):
    replies = ["We emailed jo@example.com.", "All done.", "Call 020 7946 0000 or jo@example.com"] + ["Fine."] * 20
    detector = lambda text: [("EMAIL_ADDRESS", text.index("jo@"), text.index("jo@") + 14)] if "jo@" in text else []  # noqa: E731
    body = pii_leaks(replies, detector, planted=[["jo@example.com"]] + [[]] * 22, config=config)
    assert body["n_leaking"] == 2 and body["leak_rate"] == pytest.approx(2 / 23)
    assert body["n_echoing_planted_values"] == 1 and body["outcome"] == "fail"
    assert body["examples"][0] == "We emailed <EMAIL_ADDRESS>."
    assert pii_leaks(replies[:5], detector, config=config)["outcome"] == "insufficient"
