"""Hybrid retrieval: fusion of dense and BM25 scores, the title field, recent turns in the lexical query,
and indexes built before the lexical part (format 1) still loading and searching dense-only.

The fusion and BM25 tests are fast (no model); those that embed with the bundled MiniLM are slow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from training.ml.retrieval import Article, ArtifactError, RetrievalConfig, RetrievalDataError, Retriever, build_index  # noqa: E402
from training.ml.retrieval.fusion import fuse  # noqa: E402
from training.ml.retrieval.lexical import LexicalIndex, saturate, save_lexical, tokenize  # noqa: E402

ARTICLES = [
    Article("1", "Card delivery times", "New cards are posted and usually reach you within five working days."),
    Article("2", "Freezing a card", "Open the app and tap Cards, then Freeze. You can unfreeze it at any time."),
    Article("3", "Sending money overseas", "International payments cost 0.5% of the amount, at least two pounds."),
    Article("4", "Closing an account", "Move your money out first, then choose Profile and Close account."),
]


def test_weighted_fusion_mixes_both_scores_and_keeps_dense_only_articles() -> None:
    fused = fuse({"a": 0.6, "b": 0.5, "c": 0.4}, {"b": 0.9}, weight=0.4)
    assert fused["a"] == pytest.approx((0.36, 0.36))
    assert fused["b"] == pytest.approx((0.66, 0.66))  # the lexical match overtakes the better dense score
    assert sorted(fused, key=lambda a: -fused[a][0]) == ["b", "a", "c"]
    assert fuse({"a": 0.6, "b": 0.5}, {"b": 0.9}, weight=0.0) == {"a": (0.6, 0.6), "b": (0.5, 0.5)}


def test_rrf_ranks_by_reciprocal_ranks_and_floors_still_read_the_weighted_score() -> None:
    fused = fuse({"a": 0.9, "b": 0.8, "c": 0.1}, {"b": 0.9, "c": 0.5}, weight=0.5, mode="rrf", rrf_k=60)
    assert fused["b"][0] == pytest.approx(1 / 62 + 1 / 61)  # 2nd dense, 1st lexical
    assert fused["a"][0] == pytest.approx(1 / 61)  # 1st dense, no lexical match: no lexical term
    assert [a for a in sorted(fused, key=lambda a: -fused[a][0])] == ["b", "c", "a"]
    assert fused["c"][1] == pytest.approx(0.5 * 0.1 + 0.5 * 0.5)
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse({"a": 1.0}, {}, weight=0.5, mode="max")


def test_tokens_are_stemmed_without_stop_words() -> None:
    assert tokenize(["How do I freeze my cards?"]) == [["freez", "card"]]


@pytest.fixture
def lexical(tmp_path: Path) -> LexicalIndex:
    entries = [a.body for a in ARTICLES] + ["card never came"]  # the last one: an example question of article 1
    save_lexical(tmp_path, entry_texts=entries, titles=[a.title for a in ARTICLES])
    return LexicalIndex.load(tmp_path, article_ids=[a.id for a in ARTICLES], n_entries=len(entries))


ENTRY_ARTICLES = ["1", "2", "3", "4", "1"]


def test_the_title_field_adds_to_an_articles_lexical_score(lexical: LexicalIndex) -> None:
    # "overseas" is only in article 3's title
    without, _ = lexical.scores("overseas", [], ENTRY_ARTICLES, title_weight=0.0, history_weight=0.5)
    with_title, _ = lexical.scores("overseas", [], ENTRY_ARTICLES, title_weight=1.0, history_weight=0.5)
    assert without == {} and set(with_title) == {"3"}
    body_only, _ = lexical.scores("international payments", [], ENTRY_ARTICLES, title_weight=0.0, history_weight=0.5)
    both, _ = lexical.scores("international payments overseas", [], ENTRY_ARTICLES, title_weight=1.0, history_weight=0.5)
    assert both["3"] > body_only["3"]


def test_recent_turns_join_the_lexical_query_with_their_weight(lexical: LexicalIndex) -> None:
    alone, _ = lexical.scores("how long does it take?", [], ENTRY_ARTICLES, title_weight=0.5, history_weight=0.5)
    assert alone == {}  # nothing in the follow-up itself says what it is about
    half, rows = lexical.scores("how long does it take?", ["I ordered a new card delivery"], ENTRY_ARTICLES,
                                title_weight=0.5, history_weight=0.5)
    full, _ = lexical.scores("how long does it take?", ["I ordered a new card delivery"], ENTRY_ARTICLES,
                             title_weight=0.5, history_weight=1.0)
    assert max(half, key=half.get) == "1" and full["1"] == pytest.approx(2 * half["1"])
    assert rows is not None and rows.shape == (5,)
    assert lexical.scores("the and of", [], ENTRY_ARTICLES, title_weight=0.5, history_weight=0.5) == ({}, None)


def test_saturation_maps_bm25_into_the_unit_interval() -> None:
    assert saturate(0.0, 6.0) == 0.0 and saturate(6.0, 6.0) == 0.5 and saturate(1e9, 6.0) < 1.0


def test_a_lexical_folder_that_does_not_match_the_entries_is_refused(tmp_path: Path) -> None:
    save_lexical(tmp_path, entry_texts=["a card", "a loan"], titles=["Cards"])
    with pytest.raises(ValueError, match="indexes 2 entries and 1 titles"):
        LexicalIndex.load(tmp_path, article_ids=["1"], n_entries=3)


def test_bad_fusion_options_are_refused() -> None:
    for bad in ({"fusion": "max"}, {"lexical_weight": 1.5}, {"title_weight": -1}, {"lexical_saturation": 0}, {"rrf_k": 0}):
        with pytest.raises(RetrievalDataError):
            RetrievalConfig(**bad).validate()


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    folder = tmp_path_factory.mktemp("kb") / "index"
    build_index(ARTICLES, folder, RetrievalConfig(), extra_keys=[("my card never came", "1")])
    return Retriever.load(folder)


@pytest.mark.slow
def test_hybrid_index_records_and_uses_its_lexical_part(hybrid: Retriever) -> None:
    meta = hybrid.meta
    assert meta["format_version"] == 2 and meta["lexical"]["body_documents"] == 5 and meta["lexical"]["title_documents"] == 4
    hits = hybrid.search("how much does an international payment cost?", k=4)
    assert hits[0].article_id == "3" and hits[0].lexical > 0
    weight = hybrid.fusion["lexical_weight"]
    for h in hits:
        assert h.relevance == pytest.approx((1 - weight) * h.similarity + weight * h.lexical, abs=1e-5)
        assert h.score == pytest.approx(h.relevance, abs=1e-5)  # no intent boost asked
    boosted = hybrid.search("how much does an international payment cost?", k=4, intent="x", intent_boost=0.0)
    assert [h.article_id for h in boosted] == [h.article_id for h in hits]


@pytest.mark.slow
def test_history_turns_steer_a_follow_up(hybrid: Retriever) -> None:
    follow_up = "how long does that take?"
    assert hybrid.search(follow_up, history=["I'd like to close my account"], k=1)[0].article_id == "4"
    assert hybrid.search(follow_up, history=["I ordered a new card"], k=1)[0].article_id == "1"


@pytest.mark.slow
def test_an_index_without_the_lexical_part_still_loads_and_searches_dense_only(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    build_index(ARTICLES, folder, RetrievalConfig(lexical=False))
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["lexical"] is None and not (folder / "lexical").exists()
    # What an index built before hybrid retrieval looks like: format 1, no "lexical" key, no fusion options.
    meta["format_version"] = 1
    del meta["lexical"]
    for name in ("lexical", "fusion", "lexical_weight", "title_weight", "lexical_saturation", "rrf_k"):
        meta["config"].pop(name)
    (folder / "meta.json").write_text(json.dumps(meta))
    old = Retriever.load(folder)
    assert old.lexical is None
    hits = old.search("how much does an international payment cost?", k=2)
    assert all(h.lexical == 0 and h.relevance == h.similarity == h.score for h in hits)


@pytest.mark.slow
def test_a_hybrid_index_with_a_broken_lexical_part_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    build_index(ARTICLES, folder, RetrievalConfig())
    for f in (folder / "lexical" / "title").iterdir():
        f.unlink()
    with pytest.raises(ArtifactError, match="cannot read the lexical part"):
        Retriever.load(folder)
