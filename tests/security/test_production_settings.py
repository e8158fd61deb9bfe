"""Production settings as a browser meets them: HTTPS only, HSTS, secure cookies.

tests/chatbot/test_settings.py checks that production refuses to start half-configured and that
`manage.py check --deploy --fail-level WARNING` is clean; this checks the values behind that and
what the responses carry.
"""

from __future__ import annotations

import secrets

import pytest

from tests.chatbot.subprocess_django import django_json

VAULT_KEY = "x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE="  # a valid Fernet key for settings tests only
ONE_YEAR = 365 * 24 * 3600
HOST = "chat.example.com"

DESCRIBE = """
from django.conf import settings
from django.test import Client
names = ['DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',
         'SECURE_HSTS_PRELOAD', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',
         'CSRF_COOKIE_SECURE', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY']
values = {name: getattr(settings, name) for name in names}
values['NUM_PROXIES'] = settings.REST_FRAMEWORK.get('NUM_PROXIES')
plain = Client().get('/console/login/', HTTP_HOST='%(host)s')
secure = Client().get('/console/login/', HTTP_HOST='%(host)s', HTTP_X_FORWARDED_PROTO='https')
cookie = secure.cookies.get('csrftoken')
print(json.dumps({'settings': values, 'plain': [plain.status_code, plain.get('Location')],
                  'secure': {'status': secure.status_code, 'hsts': secure.get('Strict-Transport-Security'),
                             'frame': secure.get('X-Frame-Options'), 'nosniff': secure.get('X-Content-Type-Options'),
                             'cookie_secure': bool(cookie and cookie['secure'])}}))
""" % {"host": HOST}


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": HOST, "PII_VAULT_KEYS": VAULT_KEY}
    return django_json(DESCRIBE, env=env, var_dir=tmp_path_factory.mktemp("var"), settings="chatbot.settings.production")


def test_https_only_with_a_year_of_hsts(production):
    values = production["settings"]
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True


def test_cookies_are_secure_and_pages_are_not_framed(production):
    values = production["settings"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"


def test_client_addresses_are_not_taken_from_headers_by_default(production):
    assert production["settings"]["NUM_PROXIES"] == 0


def test_plain_http_is_redirected_to_https(production):
    status, location = production["plain"]
    assert status == 301 and location == f"https://{HOST}/console/login/"


def test_https_responses_carry_the_security_headers(production):
    secure = production["secure"]
    assert secure["status"] == 200
    assert secure["hsts"] == f"max-age={ONE_YEAR}; includeSubDomains; preload"
    assert secure["frame"] == "DENY" and secure["nosniff"] == "nosniff"
    assert secure["cookie_secure"] is True
