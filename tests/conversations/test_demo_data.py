"""Demo data: the load_demo_data and create_demo_users management commands."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from conversations import roles
from conversations.demo import DEMO_DIR, HUMAN_INTENT, demo_out_of_scope
from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def answerable_intents() -> set[str]:
    """The demo company's intents (the data may add pseudo-intents, e.g. out-of-scope examples)."""
    return {item["name"] for item in json.loads((DEMO_DIR / "intents.json").read_text(encoding="utf-8"))}


def counts() -> tuple[int, int, int, int]:
    return Intent.objects.count(), TrainingExample.objects.count(), AgentReply.objects.count(), KnowledgeArticle.objects.count()


def test_load_demo_data_is_complete_idempotent_and_repairs_edits():
    # One test, three loads: loading the full demo set is the slow part of this suite.
    output = run("load_demo_data")
    intents, examples, replies, articles = counts()
    assert f"{intents} new intents, {examples} new examples, {replies} new agent replies, {articles} new articles" in output

    names = answerable_intents()
    assert len(names) >= 20 and names <= set(Intent.objects.values_list("name", flat=True))
    per_intent = Intent.objects.filter(name__in=names).annotate(
        n_examples=Count("examples", distinct=True), n_articles=Count("articles", distinct=True),
        n_replies=Count("agent_replies", distinct=True),
    )
    for intent in per_intent:
        assert intent.n_examples >= 25, intent.name
        assert intent.n_articles >= 1, intent.name
        assert intent.n_replies >= 1, intent.name
        assert intent.description
    assert set(TrainingExample.objects.values_list("source", flat=True)) == {TrainingExample.Source.SEED}
    assert list(Intent.objects.filter(requests_human=True).values_list("name", flat=True)) == [HUMAN_INTENT]
    assert not KnowledgeArticle.objects.filter(published=False).exists()
    assert all(a.body.strip() and a.url.startswith("https://") for a in KnowledgeArticle.objects.all())

    # The out-of-scope samples are not phrasings of any demo intent.
    samples = demo_out_of_scope()
    assert len(samples) >= 20
    known = {t.lower() for t in TrainingExample.objects.filter(intent__name__in=names).values_list("text", flat=True)}
    assert not known & {s.lower() for s in samples}

    # A second run creates nothing and changes nothing.
    before = counts()
    links = sorted(KnowledgeArticle.intents.through.objects.values_list("knowledgearticle_id", "intent_id"))
    output = run("load_demo_data")
    assert "0 new intents, 0 new examples, 0 new agent replies, 0 new articles" in output
    assert counts() == before
    assert sorted(KnowledgeArticle.intents.through.objects.values_list("knowledgearticle_id", "intent_id")) == links

    # A later run puts back demo content that was edited away, and only that.
    human = Intent.objects.get(name=HUMAN_INTENT)
    Intent.objects.filter(pk=human.pk).update(requests_human=False)
    TrainingExample.objects.filter(intent=human).first().delete()
    KnowledgeArticle.objects.filter(intents=human).first().intents.clear()
    output = run("load_demo_data")
    assert "0 new intents, 1 new examples, 0 new agent replies, 0 new articles" in output
    assert Intent.objects.get(name=HUMAN_INTENT).requests_human is True
    assert counts() == before
    assert sorted(KnowledgeArticle.intents.through.objects.values_list("knowledgearticle_id", "intent_id")) == links


def test_create_demo_users():
    output = run("create_demo_users", "--password", "s3cret-demo-pass")
    User = get_user_model()  # noqa: N806
    admin, agent, staff = (User.objects.get(username=name) for name in ("admin", "agent", "staff"))
    assert admin.is_superuser and admin.is_staff and not admin.groups.exists()
    assert not agent.is_superuser and agent.is_staff and list(agent.groups.values_list("name", flat=True)) == [roles.AGENTS]
    assert not staff.is_superuser and staff.is_staff and list(staff.groups.values_list("name", flat=True)) == [roles.STAFF]
    assert all(u.check_password("s3cret-demo-pass") for u in (admin, agent, staff))
    assert "agent / s3cret-demo-pass" in output

    # They can log in with that password, and each role gets what it should.
    client = Client()
    assert client.login(username="agent", password="s3cret-demo-pass")
    assert client.get("/admin/conversations/conversation/").status_code == 200
    assert client.get("/admin/conversations/intent/add/").status_code == 403
    client = Client()
    assert client.login(username="staff", password="s3cret-demo-pass")
    assert client.get("/admin/conversations/intent/add/").status_code == 200


def test_create_demo_users_twice_resets_and_does_not_duplicate():
    run("create_demo_users")
    User = get_user_model()  # noqa: N806
    agent = User.objects.get(username="agent")
    agent.groups.clear()
    agent.is_staff = False
    agent.save()
    run("create_demo_users", "--password", "another-pass-123")
    assert User.objects.filter(username__in=["admin", "agent", "staff"]).count() == 3
    agent.refresh_from_db()
    assert agent.is_staff and agent.check_password("another-pass-123")
    assert list(agent.groups.values_list("name", flat=True)) == [roles.AGENTS]
