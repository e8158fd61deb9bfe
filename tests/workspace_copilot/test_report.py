"""The unanswered-questions report: clustered with a real sentence encoder, period filter, CSV, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Message
from training.insights.report import InvalidPeriod, report_csv, report_period, unanswered_report
from training.ml.insights import cluster_questions

PETS = ["Do you offer pet insurance?", "Can I insure my dog with you?", "Is there insurance for my cat?"]
MORTGAGE = ["What is your mortgage interest rate?", "What mortgage rates do you offer for first time buyers?"]


def _unanswered(text: str, reason: str, *, days_ago: int = 1) -> Message:
    conversation = Conversation.objects.create(status=Conversation.Status.WAITING_FOR_AGENT, handoff_reason=reason)
    asked = Message.objects.create(conversation=conversation, role="customer", text=text)
    Message.objects.create(conversation=conversation, role="system", text="Passing you on.", reply_to=asked, handoff_reason=reason)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Message.objects.filter(pk=asked.pk).update(created_at=when)
    return asked


def test_clustering_groups_near_vectors_and_orders_by_size():
    vectors = np.array([[1, 0, 0], [0.99, 0.14, 0], [0, 1, 0], [0.98, 0, 0.2], [0, 0, 1]], dtype="float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    clusters = cluster_questions(vectors, distance_threshold=0.2)
    assert [sorted(c.members) for c in clusters] == [[0, 1, 3], [2], [4]]
    assert clusters[0].medoid in (0, 1, 3) and cluster_questions(vectors[:0], distance_threshold=0.2) == []


@pytest.mark.django_db
def test_unanswered_questions_form_clusters_without_a_served_index():
    for text in PETS:
        _unanswered(text, "out_of_scope")
    for text in MORTGAGE:
        _unanswered(text, "nothing_relevant")
    _unanswered("Do you insure rabbits?", "out_of_scope", days_ago=40)  # outside the period
    asked_for_person = _unanswered("I want to speak to a person", "customer_request")  # not a content gap
    report = unanswered_report(period=report_period())
    assert report.questions == 5 and report.index_version is None
    groups = [sorted(q.text for q in c.examples) for c in report.clusters]
    assert sorted(PETS) in groups and sorted(MORTGAGE) in groups
    assert report.clusters[0].size == 3 and report.clusters[0].reasons == {"out_of_scope": 3}
    assert all(c.nearest is None for c in report.clusters)
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0][:2] == ["cluster", "size"] and len(rows) == 6
    assert asked_for_person.text not in report_csv(report)


@pytest.mark.django_db
def test_a_formula_in_a_question_is_neutralised_in_the_csv():
    _unanswered("=HYPERLINK(\"http://evil.example\") why was I charged", "nothing_relevant")
    rows = list(csv.reader(io.StringIO(report_csv(unanswered_report(period=report_period())))))
    assert rows[1][-1].startswith("'=")


@pytest.mark.parametrize(("since", "until"), [("2026-13-01", None), ("yesterday", None), ("2026-02-01", "2026-01-01"),
                                              ("2020-01-01", "2026-01-01"), (None, 5)])
def test_bad_periods_are_refused(since, until):
    with pytest.raises(InvalidPeriod):
        report_period(since=since, until=until)


def test_bad_periods_over_the_api_answer_the_error_shape(staff_api):
    response = staff_api.get(reverse("unanswered-report"), {"since": "2026-02-30"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_period"
    response = staff_api.get(reverse("unanswered-report-csv"), {"since": "2026-03-01", "until": "2026-02-01"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_period"


@pytest.mark.django_db
def test_the_admin_page_lists_clusters_and_refuses_agents(staff_web, agent_web):
    for text in PETS:
        _unanswered(text, "out_of_scope")
    page = staff_web.get(reverse("admin-unanswered-report"))
    assert page.status_code == 200 and b"3 unanswered questions in 1 cluster" in page.content
    csv_export = staff_web.get(reverse("admin-unanswered-report-csv"))
    assert csv_export["Content-Type"].startswith("text/csv") and b"insure my dog" in csv_export.content
    assert staff_web.get(reverse("admin-unanswered-report"), {"since": "nope"}).status_code == 400
    assert agent_web.get(reverse("admin-unanswered-report")).status_code == 403
