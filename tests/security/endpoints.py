"""Every HTTP endpoint of the site, read from the URL resolver, and a valid request for each.

The access-control matrix (test_access_matrix.py) must have a row for every (URL name, method)
that `served_endpoints()` finds, so a new endpoint without a row fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.matrix_parts import merged

IGNORED_METHODS = {"options", "head", "trace"}
# Django's admin has its own tests (test_admin_access.py); its URLs are generated per model.
EXCLUDED_PREFIXES = ("admin/",)


def _methods(callback: object) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route
        return {method.upper() for method in actions if method not in IGNORED_METHODS}
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:  # a function view: it answers GET
        return {"GET"}
    return {m.upper() for m in view_class.http_method_names if m not in IGNORED_METHODS and hasattr(view_class, m)}


def _walk(patterns: list, prefix: str = ""):  # noqa: ANN202
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def served_endpoints() -> set[tuple[str, str]]:
    """(URL name, method) of every non-admin HTTP endpoint; format-suffix routes share their name."""
    endpoints = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        assert pattern.name, f"the URL {route} has no name, so the access matrix cannot name it"
        endpoints |= {(pattern.name, method) for method in _methods(pattern.callback)}
    return endpoints


@dataclass(frozen=True)
class Call:
    """How to call one endpoint: URL arguments (by world id) and a body per method."""

    kwargs: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, object] = field(default_factory=dict)
    multipart: bool = False


def _csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("examples.csv", b"text,label\nwhen will my new card arrive,card_arrival\n", content_type="text/csv")


CONVERSATION = {"public_id": "conversation"}
CALLS: dict[str, Call] = {
    "conversation-list": Call(bodies={"POST": {"channel": "api"}}),
    "conversation-detail": Call(CONVERSATION),
    "conversation-messages": Call(CONVERSATION, bodies={"POST": {"text": "Where is my card?"}}),
    "conversation-close": Call(CONVERSATION),
    "conversation-rate": Call(CONVERSATION, bodies={"POST": {"rating": 4}}),
    "conversation-forget": Call(CONVERSATION),
    "example-import": Call(bodies={"POST": _csv}, multipart=True),
    "intent-list": Call(bodies={"POST": {"name": "lost_card"}}),
    "intent-detail": Call({"pk": "intent"}, bodies={"PUT": {"name": "card_arrival", "description": "Card delivery"},
                                                   "PATCH": {"description": "When a card arrives"}}),
    "example-list": Call(bodies={"POST": {"intent": "card_arrival", "text": "my card has not come"}}),
    "example-detail": Call({"pk": "example"}, bodies={"PUT": {"intent": "card_arrival", "text": "card still not here"},
                                                      "PATCH": {"text": "card is late"}}),
    "article-list": Call(bodies={"POST": {"slug": "lost-cards", "title": "Lost cards", "body": "Freeze the card in the app."}}),
    "article-detail": Call({"pk": "article"}, bodies={"PUT": {"slug": "card-delivery", "title": "Card delivery", "body": "3-5 days."},
                                                      "PATCH": {"title": "Card delivery times"}}),
    "training-run-list": Call(bodies={"POST": {}}),
    "training-run-detail": Call({"pk": "run"}),
    "model-version-detail": Call({"pk": "version"}),
    "model-version-activate": Call({"pk": "version"}),
    "model-version-rollback": Call(bodies={"POST": {"kind": "intent"}}),
    "model-version-report": Call({"pk": "version"}),
    "model-version-report-image": Call({"pk": "version", "image": "=confusion_matrix"}),
    "model-version-audit": Call({"pk": "version"}),
    "model-version-audit-page": Call({"pk": "version"}),
    "knowledge-search": Call(bodies={"GET": {"q": "when does my card arrive"}}),
    "console-login": Call(bodies={"POST": {"username": "nobody", "password": "wrong"}, "PUT": {}}),
}
CALLS.update(merged("CALLS"))  # calls from tests/security/matrix_parts/


def url_kwargs(call: Call, ids: dict[str, object]) -> dict[str, object]:
    """World ids by name; a value starting with '=' is literal."""
    return {name: value[1:] if value.startswith("=") else ids[value] for name, value in call.kwargs.items()}
