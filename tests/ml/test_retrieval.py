"""Retrieval package: a real MiniLM index over the demo knowledge base (built once per module)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from training.ml.retrieval import (  # noqa: E402
    DEFAULT_MIN_SCORE,
    Article,
    ArtifactError,
    Hit,
    RetrievalConfig,
    RetrievalDataError,
    Retriever,
    build_index,
    load_articles,
    relevant,
    split_articles,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "conversations" / "demo_data"
HELD_OUT_PER_INTENT = 3


@pytest.fixture(scope="module")
def demo_articles() -> list[Article]:
    return load_articles(DEMO / "articles.json")


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory, demo_articles):
    artifact = build_index(demo_articles, tmp_path_factory.mktemp("kb") / "index", RetrievalConfig())
    return artifact, Retriever.load(artifact.path)


def test_importing_the_package_loads_no_heavy_library() -> None:
    heavy = ("torch", "faiss", "sentence_transformers", "transformers", "numpy", "django", "celery")
    code = (
        "import sys, training.ml.retrieval\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at package import time: {out.stdout.strip()}"


def test_artifact_layout_and_meta(demo_index, demo_articles) -> None:
    artifact, retriever = demo_index
    meta = json.loads((artifact.path / "meta.json").read_text())
    assert meta["kind"] == "retrieval-index" and meta["format_version"] == 2
    assert meta["dimension"] == 384 and meta["index_type"] == "flat" == artifact.index_type
    assert meta["counts"]["articles"] == len(demo_articles)
    assert meta["counts"]["passages"] == artifact.n_passages >= len(demo_articles)
    assert len(meta["data_hash"]) == 64
    lines = (artifact.path / "passages.jsonl").read_text().splitlines()
    assert len(lines) == artifact.n_passages
    first = json.loads(lines[0])
    assert set(first) == {"passage_id", "article_id", "title", "url", "position", "text"}
    assert retriever.index.ntotal == artifact.n_passages


def test_demo_questions_retrieve_their_article(demo_index, demo_articles) -> None:
    _, retriever = demo_index
    intents = json.loads((DEMO / "intents.json").read_text())
    targets: dict[str, set[str]] = {}
    for art in demo_articles:
        for intent in art.intents:
            targets.setdefault(intent, set()).add(art.id)
    # the last examples of each intent that has an article: nothing was tuned on them
    queries = [(ex, it["name"]) for it in intents if it["name"] in targets for ex in it["examples"][-HELD_OUT_PER_INTENT:]]
    assert len(queries) >= 50
    from training.ml.retrieval.encoder import encode

    vectors = encode(retriever.encoder, [text for text, _ in queries])  # batched: keeps the test fast
    found1 = found3 = 0
    for vector, (_, intent) in zip(vectors, queries):
        hits = retriever.search_vector(vector.reshape(1, -1), k=3)
        found1 += hits[0].article_id in targets[intent]
        found3 += any(h.article_id in targets[intent] for h in hits)
    assert found3 / len(queries) >= 0.85, f"recall@3 {found3 / len(queries):.3f}"
    assert found1 / len(queries) >= 0.65, f"recall@1 {found1 / len(queries):.3f}"


def test_search_returns_best_passage_per_article_in_score_order(demo_index) -> None:
    _, retriever = demo_index
    hits = retriever.search("my card still hasn't arrived", k=5)
    assert 1 <= len(hits) <= 5 and all(isinstance(h, Hit) for h in hits)
    assert hits[0].article_id == "when-will-my-card-arrive"
    assert len({h.article_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.passage and h.url.startswith("https://") and h.title for h in hits)
    assert len(retriever.search("card", k=1000)) == len({p.article_id for p in retriever.passages})


def test_history_and_intent_prior(demo_index) -> None:
    _, retriever = demo_index
    with_history = retriever.search("how long will that take?", history=["I ordered a new card last week"], k=3)
    assert "when-will-my-card-arrive" in [h.article_id for h in with_history]
    plain = retriever.search("I want to change my pin", k=3)
    target = next(h.article_id for h in plain[1:])  # some other article
    tags = retriever.article_intents[target]
    boosted = retriever.search("I want to change my pin", k=3, intent=tags[0], intent_boost=1.0)
    assert boosted[0].article_id in {a for a, t in retriever.article_intents.items() if tags[0] in t}
    assert boosted[0].score == pytest.approx(boosted[0].relevance + 1.0, abs=1e-5)


def test_relevance_floor(demo_index) -> None:
    _, retriever = demo_index
    on_topic = retriever.search("someone used my card and I don't recognise the payment", k=3)
    assert relevant(on_topic), on_topic[0].relevance
    off_topic = retriever.search("how do I bake sourdough bread", k=3)
    assert relevant(off_topic) == [], off_topic[0].relevance
    assert relevant(on_topic, min_score=1.01) == []
    assert 0.0 < DEFAULT_MIN_SCORE < 1.0


def test_approximate_index_gives_the_same_top_hit(tmp_path, demo_articles, demo_index) -> None:
    _, exact = demo_index
    cfg = RetrievalConfig(index_type="auto", auto_hnsw_threshold=10)  # the automatic choice, forced low
    artifact = build_index(demo_articles, tmp_path / "hnsw", cfg)
    assert artifact.index_type == "hnsw"
    approx = Retriever.load(artifact.path)
    assert type(approx.index).__name__ == "IndexHNSWFlat"
    for query in ("my card was stolen", "how do I close my account", "what is your exchange rate",
                  "I can't log in to the app", "talk to a real person"):
        a, e = approx.search(query, k=3), exact.search(query, k=3)
        assert a[0].article_id == e[0].article_id
        assert a[0].score == pytest.approx(e[0].score, abs=1e-4)


def test_long_article_is_split_never_truncated(demo_index) -> None:
    _, retriever = demo_index
    tokenizer = retriever.encoder.tokenizer
    from training.ml.retrieval.data import hf_token_offsets

    sentences = [f"Sentence number {n} explains one more detail about card deliveries and fees." for n in range(60)]
    run_on = " ".join(f"word{n}" for n in range(400))  # one 'sentence' far longer than the window
    body = "Short intro paragraph.\n\n" + " ".join(sentences) + "\n\n" + run_on
    art = Article(id="long", title="Long", body=body, url="u", intents=("x",))
    passages = split_articles([art], hf_token_offsets(tokenizer), max_tokens=100, overlap=20)
    assert passages[0].text == "Short intro paragraph."
    assert len(passages) > 4
    assert [p.position for p in passages] == list(range(len(passages)))
    assert all(p.article_id == "long" and p.url == "u" for p in passages)
    assert all(len(tokenizer(p.text, add_special_tokens=False)["input_ids"]) <= 100 for p in passages)
    joined = " ".join(p.text for p in passages)
    assert all(s in joined for s in sentences) and all(f"word{n}" in joined for n in range(400))
    # consecutive windows of the run-on sentence overlap
    windows = [p.text for p in passages if p.text.startswith("word")]
    assert len(windows) >= 2 and windows[0].split()[-1] in windows[1].split()


@pytest.mark.parametrize(
    ("articles", "message"),
    [
        ([], "empty"),
        ([Article(id="a", title="t", body="   ")], "no text"),
        ([Article(id="a", title="t", body="x"), Article(id="a", title="t", body="y")], "duplicate"),
        ([Article(id="", title="t", body="x")], "empty id"),
    ],
)
def test_bad_knowledge_base_is_refused(tmp_path, articles, message) -> None:
    with pytest.raises(RetrievalDataError, match=message):
        build_index(articles, tmp_path / "out", RetrievalConfig())
    assert not (tmp_path / "out").exists()


def test_bad_queries_config_and_keys(tmp_path, demo_index, demo_articles) -> None:
    _, retriever = demo_index
    with pytest.raises(RetrievalDataError):
        retriever.search("   ")
    with pytest.raises(RetrievalDataError):
        retriever.search("card", k=0)
    with pytest.raises(RetrievalDataError):
        build_index(demo_articles, tmp_path / "o1", RetrievalConfig(overlap_tokens=500))
    with pytest.raises(RetrievalDataError, match="unknown article"):
        build_index(demo_articles, tmp_path / "o2", extra_keys=[("where is my card", "no-such-article")])


def test_artifact_problems_are_refused(tmp_path, demo_index, demo_articles) -> None:
    artifact, _ = demo_index
    with pytest.raises(ArtifactError):
        Retriever.load(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("index.faiss", "passages.jsonl", "entries.jsonl", "articles.jsonl", "meta.json"):
        (bad / name).write_bytes((artifact.path / name).read_bytes())
    with pytest.raises(ArtifactError, match="incomplete: missing lexical/"):
        Retriever.load(bad)
    shutil.copytree(artifact.path / "lexical", bad / "lexical")
    meta = json.loads((bad / "meta.json").read_text())
    (bad / "meta.json").write_text(json.dumps(meta | {"format_version": 99}))
    with pytest.raises(ArtifactError, match="format_version"):
        Retriever.load(bad)
    (bad / "meta.json").write_text(json.dumps(meta | {"kind": "intent-classifier"}))
    with pytest.raises(ArtifactError, match="intent-classifier"):
        Retriever.load(bad)
    (bad / "meta.json").write_text(json.dumps(meta))
    (bad / "entries.jsonl").write_text("\n".join((artifact.path / "entries.jsonl").read_text().splitlines()[:3]) + "\n")
    with pytest.raises(ArtifactError, match="inconsistent"):
        Retriever.load(bad)
    (bad / "index.faiss").unlink()
    with pytest.raises(ArtifactError, match="incomplete"):
        Retriever.load(bad)
    with pytest.raises(ArtifactError, match="not empty"):
        build_index(demo_articles, artifact.path, RetrievalConfig())


def test_extra_keys_point_to_their_article(tmp_path, demo_articles) -> None:
    keys = [("my plastic got eaten by the hole in the wall", "when-will-my-card-arrive")]
    retriever = Retriever.load(build_index(demo_articles[:3], tmp_path / "k", extra_keys=keys).path)
    assert retriever.meta["counts"]["keys"] == 1
    hits = retriever.search("my plastic got eaten by the hole in the wall", k=3)
    assert hits[0].article_id == "when-will-my-card-arrive" and hits[0].similarity > 0.99
    assert hits[0].passage in {p.text for p in retriever.passages if p.article_id == hits[0].article_id}
