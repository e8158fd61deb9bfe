"""The lexical half of hybrid retrieval: BM25 (bm25s) over stemmed tokens, with the title as a field.

Two BM25 indexes are saved in the artifact's ``lexical/`` folder, so serving loads them instead of
rebuilding them: ``body`` has one document per indexed entry (row i = entries.jsonl line i: a passage
or an extra key such as an example question) and ``title`` one document per article. An article's
lexical score is its best body document plus ``title_weight`` x its title score, and the recent
customer turns add ``history_weight`` x their own score. Raw BM25 is unbounded, so it is saturated
into [0, 1) as s / (s + saturation) before it is mixed with the cosine similarity (fusion.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEXICAL_DIR = "lexical"
BODY_DIR = "body"
TITLE_DIR = "title"
STEMMER_LANGUAGE = "english"


_LOCAL = threading.local()


def _tokenizer_parts() -> tuple[Any, list[str]]:
    """One stemmer per thread (a PyStemmer object must not be shared between threads), made once."""
    if not hasattr(_LOCAL, "parts"):
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        _LOCAL.parts = (Stemmer.Stemmer(STEMMER_LANGUAGE).stemWords, list(STOPWORDS_EN_PLUS))
    return _LOCAL.parts


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, English stop words (bm25s' NLTK-sized list) removed, Snowball-stemmed tokens of each text."""
    import bm25s

    stem, stopwords = _tokenizer_parts()
    return bm25s.tokenize(list(texts), stopwords=stopwords, stemmer=stem, return_ids=False, show_progress=False)


def _bm25(corpus: Sequence[str]) -> Any:
    import bm25s

    model = bm25s.BM25()
    model.index(tokenize(corpus), show_progress=False)
    return model


def save_lexical(folder: Path, *, entry_texts: Sequence[str], titles: Sequence[str]) -> dict[str, Any]:
    """Index the entries' texts and the articles' titles under ``folder/lexical``; returns meta to record."""
    root = folder / LEXICAL_DIR
    for name, corpus in ((BODY_DIR, entry_texts), (TITLE_DIR, titles)):
        _bm25(corpus).save(str(root / name), show_progress=False)
    return {"folder": LEXICAL_DIR, "stemmer": STEMMER_LANGUAGE, "stopwords": "en_plus",
            "body_documents": len(entry_texts), "title_documents": len(titles)}


@dataclass
class LexicalIndex:
    body: Any  # bm25s.BM25 over the entries
    title: Any  # bm25s.BM25 over the articles, in ``article_ids`` order
    article_ids: list[str]

    @classmethod
    def load(cls, folder: Path, *, article_ids: list[str], n_entries: int) -> LexicalIndex:
        import bm25s

        root = folder / LEXICAL_DIR
        body = bm25s.BM25.load(str(root / BODY_DIR), show_progress=False, verbosity=0)
        title = bm25s.BM25.load(str(root / TITLE_DIR), show_progress=False, verbosity=0)
        if body.scores["num_docs"] != n_entries or title.scores["num_docs"] != len(article_ids):
            raise ValueError(f"{root} indexes {body.scores['num_docs']} entries and {title.scores['num_docs']} titles, "
                             f"the artifact has {n_entries} entries and {len(article_ids)} articles")
        return cls(body=body, title=title, article_ids=article_ids)

    def article_scores(self, text: str, entry_articles: Sequence[str], *, title_weight: float) -> tuple[dict[str, float], Any]:
        """Raw BM25 per article with a non-zero score (best entry + title_weight x title), and the entries' scores."""
        (tokens,) = tokenize([text])
        if not tokens:
            return {}, None
        body = self.body.get_scores(tokens)
        out: dict[str, float] = {}
        for row in body.nonzero()[0]:
            aid = entry_articles[row]
            out[aid] = max(out.get(aid, 0.0), float(body[row]))
        if title_weight:
            title = self.title.get_scores(tokens)
            for j in title.nonzero()[0]:
                aid = self.article_ids[j]
                out[aid] = out.get(aid, 0.0) + title_weight * float(title[j])
        return out, body

    def scores(self, query: str, history: Sequence[str], entry_articles: Sequence[str], *, title_weight: float,
               history_weight: float) -> tuple[dict[str, float], Any]:
        """Raw lexical score per article and per entry: the query's, plus the recent turns' weighted."""
        raw, rows = self.article_scores(query, entry_articles, title_weight=title_weight)
        if history and history_weight > 0:
            more, more_rows = self.article_scores(" ".join(history), entry_articles, title_weight=title_weight)
            for aid, s in more.items():
                raw[aid] = raw.get(aid, 0.0) + history_weight * s
            if more_rows is not None:
                rows = history_weight * more_rows if rows is None else rows + history_weight * more_rows
        return raw, rows


def saturate(raw: float, saturation: float) -> float:
    """Unbounded BM25 into [0, 1): raw / (raw + saturation)."""
    return raw / (raw + saturation) if raw > 0 else 0.0
