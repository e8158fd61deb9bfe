"""The widget demo page, the agent console's pages and CORS for the public conversation API."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example"


def test_the_demo_page_embeds_the_widget_with_one_script_tag(client):
    response = client.get("/demo/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<script") == 1
    assert '<script src="http://testserver/static/widget/chat.js"' in body
    for name in ("widget/chat.js", "widget/chat.css", "console/console.js", "console/console.css"):
        assert finders.find(name), name


def test_the_widget_never_renders_message_text_as_html():
    source = open(finders.find("widget/chat.js"), encoding="utf-8").read()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source


def test_home_links_to_the_demo_and_the_console(client):
    body = client.get("/").content.decode()
    assert 'href="/demo/"' in body and 'href="/console/"' in body


def test_the_console_needs_a_login_and_the_agent_permission(client, outsider_cookie, agent):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    outsider = Client()
    outsider.cookies["sessionid"] = outsider_cookie.split("=", 1)[1]
    assert outsider.get("/console/").status_code == 403
    login = client.post("/console/login/", {"username": agent.username, "password": PASSWORD, "next": "/console/"})
    assert login.status_code == 302 and login["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and b"console/console.js" in page.content


def test_cors_preflight_and_response_headers_for_allowed_sites(client, settings):
    settings.CHAT_ALLOWED_ORIGINS = [SHOP]
    preflight = client.options("/api/v1/conversations/", HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in preflight["Access-Control-Allow-Methods"] and "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight

    created = client.post("/api/v1/conversations/", {"channel": "widget"}, content_type="application/json", HTTP_ORIGIN=SHOP)
    assert created.status_code == 201 and created["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in created["Vary"]
    history = client.get(f"/api/v1/conversations/{created.json()['id']}/messages/", HTTP_ORIGIN=SHOP,
                         HTTP_AUTHORIZATION=f"Conversation {created.json()['access_token']}")
    assert history.status_code == 200 and history["Access-Control-Allow-Origin"] == SHOP


def test_cors_is_not_granted_to_other_sites_or_other_endpoints(client, settings):
    settings.CHAT_ALLOWED_ORIGINS = [SHOP]
    other = client.post("/api/v1/conversations/", {}, content_type="application/json", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    intents = client.get("/api/v1/intents/", HTTP_ORIGIN=SHOP)
    assert "Access-Control-Allow-Origin" not in intents
