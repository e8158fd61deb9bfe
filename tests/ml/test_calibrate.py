import numpy as np
import pytest

from training.ml.intent.calibrate import choose_threshold, fit_temperature, softmax


def test_softmax_rows_sum_to_one_and_temperature_flattens() -> None:
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    probs = softmax(logits)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert softmax(logits, 4.0)[0, 0] < probs[0, 0]


def test_fit_temperature_recovers_the_generating_temperature() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 3, size=(4000, 5))
    targets = np.array([rng.choice(5, p=p) for p in softmax(true_logits)])
    # A model whose logits are 2.5x too confident: the fitted temperature should undo it.
    assert fit_temperature(true_logits * 2.5, targets, prior_rows=0) == pytest.approx(2.5, rel=0.1)
    # With the default prior, 4,000 rows barely move it; 20 rows pull it towards 1.
    assert fit_temperature(true_logits * 2.5, targets) == pytest.approx(2.5, rel=0.12)
    small = fit_temperature(true_logits[:20] * 2.5, targets[:20])
    assert 1.0 < small < fit_temperature(true_logits[:20] * 2.5, targets[:20], prior_rows=0)
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=int)) == 1.0


def test_threshold_with_oos_separates_the_two_populations() -> None:
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.3, 0.25, 0.2])
    is_oos = np.array([False, False, False, False, True, True, True])
    correct = ~is_oos
    choice = choose_threshold(scores, correct, np.zeros(7, bool), is_oos, keep_fraction=0.97)
    assert 0.3 < choice.threshold < 0.8
    assert choice.in_scope_accuracy == 1.0 and choice.oos_recall == 1.0 and choice.handoff_rate == 0.0
    assert "oos recall" in choice.criterion


def test_threshold_with_oos_balances_accuracy_and_recall() -> None:
    # One oos text scores higher than one in-scope text: the best mean of the two rates is 0.875
    # (either drop one in-scope example or miss one oos text); the middle candidate is taken.
    scores = np.array([0.9, 0.8, 0.4, 0.7, 0.6, 0.3])
    is_oos = np.array([False, False, False, False, True, True])
    choice = choose_threshold(scores, ~is_oos, np.zeros(6, bool), is_oos, keep_fraction=0.97)
    assert (choice.in_scope_accuracy + choice.oos_recall) / 2 == pytest.approx(0.875)


def test_learned_oos_class_counts_as_handed_off() -> None:
    scores = np.array([0.9, 0.9])
    is_oos = np.array([False, True])
    choice = choose_threshold(scores, np.array([True, False]), np.array([False, True]), is_oos, keep_fraction=0.97)
    assert choice.oos_recall == 1.0 and choice.in_scope_accuracy == 1.0


def test_threshold_without_oos_keeps_the_requested_share() -> None:
    scores = np.linspace(0.01, 1.0, 100)
    choice = choose_threshold(scores, np.ones(100, bool), np.zeros(100, bool), np.zeros(100, bool), keep_fraction=0.95)
    kept = (scores >= choice.threshold).mean()
    assert 0.95 <= kept <= 0.96
    assert choice.oos_recall is None and choice.handoff_rate == pytest.approx(1 - kept)
