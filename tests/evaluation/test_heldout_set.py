"""The shipped held-out set and the hand-labelled checker sentences are what their README says."""

from __future__ import annotations

import json
from collections import Counter

from conversations.demo import DEMO_DIR
from training.evaluation.heldout import DATA_DIR, DEV_SPLIT, TEST_SPLIT
from training.ml.evaluation.dataset import items_load

ARTICLES = {a["title"]: a["body"] for a in json.loads((DEMO_DIR / "articles.json").read_text(encoding="utf-8"))}


def test_splits_cover_every_article_and_kind_and_do_not_overlap():
    dev, test = items_load(DEV_SPLIT), items_load(TEST_SPLIT)
    assert len(dev) + len(test) >= 100
    assert not {i.id for i in dev} & {i.id for i in test}
    assert not {i.question for i in dev} & {i.question for i in test}
    for split in (dev, test):
        kinds = Counter(i.kind for i in split)
        assert kinds["answer"] >= 40 and kinds["handoff"] >= 10 and kinds["human"] >= 4
        assert {i.article for i in split if i.kind == "answer"} == set(ARTICLES)
        assert sum(1 for i in split if i.history) >= 8
        assert {i.id.split("-")[0] for i in split if i.kind == "handoff"} == {"oos", "acct"}


def test_every_fact_is_in_its_gold_article():
    for item in items_load(DEV_SPLIT) + items_load(TEST_SPLIT):
        if item.kind == "answer":
            assert item.facts
            for fact in item.facts:
                assert fact.lower() in ARTICLES[item.article].lower(), (item.id, fact)
        else:
            assert item.article is None and not item.facts


def test_no_question_copies_a_training_phrasing():
    intents = json.loads((DEMO_DIR / "intents.json").read_text(encoding="utf-8"))
    oos = json.loads((DEMO_DIR / "out_of_scope.json").read_text(encoding="utf-8"))
    taught = {e.lower().strip() for i in intents for e in i["examples"]} | {o.lower().strip() for o in oos}
    for item in items_load(DEV_SPLIT) + items_load(TEST_SPLIT):
        for text in (item.question, *item.history):
            assert text.lower().strip() not in taught, item.id


def test_checker_labels_are_at_least_100_sentences_half_unsupported():
    rows = [json.loads(line) for line in (DATA_DIR / "grounding_labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 100
    unsupported = sum(not r["supported"] for r in rows)
    assert unsupported >= len(rows) // 2 - 2 and len(rows) - unsupported >= len(rows) // 2 - 2
