"""The held-out answer set shipped with the demo (data/README.md says how it was made) and item checks
that need the database: every gold article must be a published knowledge-base article."""

from __future__ import annotations

from pathlib import Path

from conversations.models import KnowledgeArticle
from training.ml.common.errors import DataError
from training.ml.evaluation.dataset import EvalItem, items_load

DATA_DIR = Path(__file__).resolve().parent / "data"
DEV_SPLIT = DATA_DIR / "answers_dev.jsonl"
TEST_SPLIT = DATA_DIR / "answers_test.jsonl"


def items_checked(path: str | Path) -> list[EvalItem]:
    """The file's items, or DataError naming each line whose gold article the knowledge base lacks."""
    items = items_load(path)
    titles = set(KnowledgeArticle.objects.filter(published=True).values_list("title", flat=True))
    unknown = [f"line {i.line}: unknown article title {i.article!r}" for i in items if i.article and i.article not in titles]
    if unknown:
        raise DataError(f"{path} names articles the knowledge base does not have (or not published)", unknown)
    return items
