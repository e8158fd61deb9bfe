"""build_index: articles -> passages -> embeddings -> FAISS index (+ BM25 indexes), published as an artifact folder."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import sha256_of_records, staged_folder, utc_now_iso
from training.ml.retrieval.artifact import ENTRIES_FILE, INDEX_FILE, PASSAGES_FILE, write_artifact_meta
from training.ml.retrieval.config import RetrievalConfig
from training.ml.retrieval.data import Article, data_hash, hf_token_offsets, split_articles, validate_articles
from training.ml.retrieval.encoder import embedding_dimension, encode, load_encoder, resolve_model
from training.ml.retrieval.errors import RetrievalDataError
from training.ml.retrieval.index import build_faiss, choose_index_type
from training.ml.retrieval.lexical import save_lexical


@dataclass(frozen=True)
class IndexArtifact:
    path: Path
    meta: dict[str, Any]
    index_type: str
    n_articles: int
    n_passages: int
    n_keys: int
    build_seconds: float


def build_index(
    articles: Sequence[Article],
    out_dir: str | Path,
    config: RetrievalConfig | None = None,
    *,
    extra_keys: Sequence[tuple[str, str]] = (),
) -> IndexArtifact:
    """Index ``articles`` into ``out_dir`` (which must not exist or be empty).

    ``extra_keys`` are optional (text, article_id) pairs, e.g. example customer questions, indexed
    as additional vectors that point to an article; a hit on one returns that article's best passage.
    """
    started = time.perf_counter()
    config = config or RetrievalConfig()
    config.validate()
    articles = list(articles)
    validate_articles(articles)
    by_id = {a.id: a for a in articles}
    key_problems = [
        f"extra key {n}: " + ("empty text" if not str(text).strip() else f"unknown article id {aid!r}")
        for n, (text, aid) in enumerate(extra_keys)
        if not str(text).strip() or aid not in by_id
    ]
    if key_problems:
        raise RetrievalDataError("unusable extra keys", key_problems)

    encoder = load_encoder(config.model, config.device)
    window = int(getattr(encoder, "max_seq_length", 0) or 512)
    # Room for [CLS]/[SEP] and the title prefix; a passage must never be truncated by the encoder.
    title_budget = max((len(encoder.tokenizer(a.title + ": ", add_special_tokens=False)["input_ids"]) for a in articles), default=0) if config.embed_title else 0
    max_tokens = min(config.max_passage_tokens, window - 2 - title_budget)
    if max_tokens < 16:
        raise RetrievalDataError(f"model window of {window} tokens leaves no room for passages (titles too long?)")
    overlap = min(config.overlap_tokens, max_tokens // 4)
    passages = split_articles(articles, hf_token_offsets(encoder.tokenizer), max_tokens=max_tokens, overlap=overlap)

    texts = [f"{p.title}: {p.text}" if config.embed_title and p.title else p.text for p in passages]
    first_passage = {}
    for p in passages:
        first_passage.setdefault(p.article_id, p.passage_id)
    lexical_texts = [p.text for p in passages]  # the title is its own lexical field
    entries = [{"passage_id": p.passage_id, "article_id": p.article_id, "source": "passage"} for p in passages]
    for text, aid in extra_keys:
        texts.append(str(text).strip())
        lexical_texts.append(str(text).strip())
        entries.append({"passage_id": first_passage[aid], "article_id": aid, "source": "key"})

    vectors = encode(encoder, texts, batch_size=config.batch_size)
    dim = embedding_dimension(encoder)
    index_type = choose_index_type(len(vectors), config)
    index = build_faiss(vectors, index_type, config)

    import faiss

    counts = {"articles": len(articles), "passages": len(passages), "keys": len(extra_keys), "vectors": len(vectors)}
    with staged_folder(out_dir) as scratch:
        faiss.write_index(index, str(scratch / INDEX_FILE))
        with (scratch / PASSAGES_FILE).open("w", encoding="utf-8") as handle:
            for p in passages:
                handle.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        with (scratch / ENTRIES_FILE).open("w", encoding="utf-8") as handle:
            for e in entries:
                handle.write(json.dumps(e, ensure_ascii=False) + "\n")
        lexical = (save_lexical(scratch, entry_texts=lexical_texts, titles=[a.title for a in articles])
                   if config.lexical else None)
        (scratch / "articles.jsonl").write_text(
            "".join(json.dumps({"id": a.id, "title": a.title, "url": a.url, "intents": list(a.intents)}) + "\n" for a in articles),
            encoding="utf-8",
        )
        meta = {
            "created_at": utc_now_iso(),
            "model": resolve_model(config.model),
            "model_setting": config.model,
            "dimension": dim,
            "index_type": index_type,
            "normalized": True,
            "metric": "inner_product",
            "counts": counts,
            "data_hash": data_hash(articles),
            "keys_hash": sha256_of_records((t, a) for t, a in extra_keys) if extra_keys else None,
            "max_passage_tokens": max_tokens,
            "overlap_tokens": overlap,
            "model_max_seq_length": window,
            "config": config.to_dict(),
            "lexical": lexical,
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        write_artifact_meta(scratch, meta)
    return IndexArtifact(
        path=Path(out_dir),
        meta=meta,
        index_type=index_type,
        n_articles=len(articles),
        n_passages=len(passages),
        n_keys=len(extra_keys),
        build_seconds=meta["build_seconds"],
    )
