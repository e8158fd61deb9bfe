"""The offline grounding checker: its precision and recall on the hand-labelled sentences, and its rules."""

from __future__ import annotations

import json

from training.evaluation.heldout import DATA_DIR
from training.ml.evaluation.checker import check_offline, check_reply, validate

PASSAGE = ("Contactless payments let you pay up to £100 by tapping your card on the reader. The limit is set by the UK card "
           "industry and is the same for all banks, so we can't increase it.")


def _labelled():
    rows = [json.loads(line) for line in (DATA_DIR / "grounding_labels.jsonl").read_text(encoding="utf-8").splitlines()]
    return [(r["sentence"], r["passages"], r["supported"]) for r in rows]


def test_precision_and_recall_on_the_hand_labelled_sentences():
    result = validate(_labelled())
    # Measured 0.912 / 0.945 on 109 sentences (docs/evaluation.md); a change that loses either shows here.
    assert result.n >= 100
    assert result.precision >= 0.88, result
    assert result.recall >= 0.92, result


def test_each_rule_rejects_what_it_is_for():
    assert check_offline("You can pay up to £100 by tapping your card [1].", [PASSAGE]).supported is True
    assert "cites no passage" in check_offline("You can pay up to £100 by tapping your card.", [PASSAGE]).reasons
    assert not check_offline("You can pay up to £150 by tapping your card [1].", [PASSAGE]).supported
    assert not check_offline("We can increase the contactless limit for you [1].", [PASSAGE]).supported
    assert not check_offline("I've increased your contactless limit [1].", [PASSAGE]).supported
    assert not check_offline("You can pay up to £100 by tapping your card [2].", [PASSAGE]).supported
    assert not check_offline("Kestrel offers a range of mortgage options [1].", [PASSAGE]).supported


def test_courtesy_sentences_are_not_counted():
    checks = check_reply("Happy to help. You can pay up to £100 by tapping your card [1].", [PASSAGE])
    assert [c.supported for c in checks] == [None, True]
