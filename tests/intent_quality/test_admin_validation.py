"""The data check in admin: staff see the findings about the database examples before they train."""

from __future__ import annotations

import pytest

from tests.factories import IntentFactory, TrainingExampleFactory

pytestmark = pytest.mark.django_db

URL = "/admin/training/trainingrun/validate-intents/"


def _examples() -> None:
    card, pin = IntentFactory(name="card_arrival"), IntentFactory(name="pin_change")
    for text in ("where is my card", "card not arrived", "when will my card come"):
        TrainingExampleFactory(intent=card, text=text)
    for text in ("change my pin", "forgot my pin", "Where is my card"):
        TrainingExampleFactory(intent=pin, text=text)
    TrainingExampleFactory(intent=IntentFactory(name="loan_application"), text="i want a loan")


def test_staff_see_conflicts_and_small_labels_and_the_runs_page_links_the_check(staff_web, client):
    _examples()
    page = staff_web.get(URL + "?encoder=0")
    assert page.status_code == 200
    body = page.content.decode()
    assert "conflicting_labels" in body and "&#x27;where is my card&#x27; is labelled card_arrival and pin_change" in body
    assert "&#x27;loan_application&#x27; has 1 example(s)" in body and "Training would refuse this data" in body
    assert URL.encode() in staff_web.get("/admin/training/trainingrun/").content
    assert client.get(URL).status_code == 302  # anonymous: to the login page


def test_the_encoder_checks_run_on_the_real_encoder(staff_web):
    _examples()
    body = staff_web.get(URL).content.decode()
    assert "near_duplicate" in body or "looks_like_other_label" in body
    assert "Encoder checks skipped" not in body
