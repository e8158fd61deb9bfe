"""The unanswered-questions report (content gaps): the customer questions the bot handed off for want of an
answer, clustered with the served index's own encoder, each cluster with its nearest article and that
article's relevance, so staff see which article to write (nothing near) or fix (near, yet not good enough).

The questions are read as stored (anonymized). Without a served index the bundled encoder clusters them
and no nearest article is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from conversations.errors import ChatError
from conversations.selectors import UnansweredQuestion, unanswered_questions
from training.ml.insights import cluster_questions
from training.ml.retrieval.encoder import encode, load_encoder
from training.serving.slots import served_role

DEFAULT_DAYS = 14
MAX_DAYS = 366
EXAMPLES_PER_CLUSTER = 5


class InvalidPeriod(ChatError):
    code = "invalid_period"


@dataclass(frozen=True)
class Period:
    since: dt.datetime
    until: dt.datetime  # exclusive

    @property
    def first_day(self) -> dt.date:
        return timezone.localdate(self.since)

    @property
    def last_day(self) -> dt.date:
        return timezone.localdate(self.until - dt.timedelta(microseconds=1))


@dataclass(frozen=True)
class NearestArticle:
    article_id: int
    title: str
    url: str
    score: float  # the fused relevance the bot's floors read
    relevant: bool  # at or above the served index's floor


@dataclass(frozen=True)
class GapCluster:
    size: int
    examples: list[UnansweredQuestion]  # closest to the cluster's centre first
    reasons: dict[str, int]
    nearest: NearestArticle | None
    cohesion: float


@dataclass(frozen=True)
class UnansweredReport:
    period: Period
    questions: int
    clusters: list[GapCluster] = field(default_factory=list)
    index_version: int | None = None
    distance_threshold: float = 0.0


def _day(value: object, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidPeriod(f"'{name}' must be a date as YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidPeriod(f"'{name}' must be a date as YYYY-MM-DD; got {value[:40]!r}.") from None


def report_period(*, since: object = None, until: object = None, now: dt.datetime | None = None) -> Period:
    """Whole days, both ends included, in the current time zone; the last DEFAULT_DAYS days by default."""
    today = timezone.localdate(now or timezone.now())
    last = _day(until, "until") or today
    first = _day(since, "since") or (last - dt.timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise InvalidPeriod("'since' must not be after 'until'.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidPeriod(f"The period is limited to {MAX_DAYS} days.")
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return Period(since=start, until=end)


def unanswered_report(*, period: Period) -> UnansweredReport:
    questions = unanswered_questions(since=period.since, until=period.until, limit=settings.INSIGHTS_MAX_QUESTIONS)
    threshold = settings.INSIGHTS_CLUSTER_DISTANCE
    served = served_role("retriever")
    if not questions:
        return UnansweredReport(period=period, questions=0, index_version=getattr(served, "version", None),
                                distance_threshold=threshold)
    encoder = served.retriever.encoder if served is not None else load_encoder(None)
    vectors = encode(encoder, [q.text for q in questions])
    clusters = []
    for group in cluster_questions(vectors, distance_threshold=threshold):
        members = [questions[i] for i in group.members]
        reasons: dict[str, int] = {}
        for q in members:
            reasons[q.reason] = reasons.get(q.reason, 0) + 1
        clusters.append(GapCluster(size=group.size, examples=members[:EXAMPLES_PER_CLUSTER], reasons=reasons,
                                   nearest=_nearest(served, questions[group.medoid].text), cohesion=round(group.cohesion, 4)))
    return UnansweredReport(period=period, questions=len(questions), clusters=clusters,
                            index_version=getattr(served, "version", None), distance_threshold=threshold)


def _nearest(served: object | None, text: str) -> NearestArticle | None:
    """The article the served index finds for the cluster's most central question, relevant or not."""
    if served is None:
        return None
    hits = served.search(text, k=1)  # type: ignore[attr-defined]
    if not hits:
        return None
    hit = hits[0]
    return NearestArticle(article_id=int(hit.article_id), title=hit.title, url=hit.url, score=round(float(hit.relevance), 4),
                          relevant=bool(served.is_relevant(hit)))  # type: ignore[attr-defined]


def report_json(report: UnansweredReport) -> dict:
    return {
        "since": report.period.first_day.isoformat(),
        "until": report.period.last_day.isoformat(),
        "questions": report.questions,
        "index_version": report.index_version,
        "distance_threshold": report.distance_threshold,
        "clusters": [
            {
                "size": c.size,
                "reasons": c.reasons,
                "cohesion": c.cohesion,
                "examples": [{"message_id": q.message_id, "conversation": q.conversation, "text": q.text, "reason": q.reason,
                              "created_at": q.created_at.isoformat()} for q in c.examples],
                "nearest_article": None if c.nearest is None else {
                    "id": c.nearest.article_id, "title": c.nearest.title, "url": c.nearest.url, "score": c.nearest.score,
                    "relevant": c.nearest.relevant},
            }
            for c in report.clusters
        ],
    }


CSV_HEADER = ["cluster", "size", "nearest_article", "nearest_article_score", "nearest_article_relevant", "reasons", "example"]


def report_csv(report: UnansweredReport) -> str:
    """One row per example question, with its cluster's figures (spreadsheet-safe: formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for n, c in enumerate(report.clusters, start=1):
        reasons = "; ".join(f"{k}={v}" for k, v in sorted(c.reasons.items()))
        for q in c.examples:
            writer.writerow([n, c.size, _cell(c.nearest.title) if c.nearest else "", c.nearest.score if c.nearest else "",
                             c.nearest.relevant if c.nearest else "", reasons, _cell(q.text)])
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
