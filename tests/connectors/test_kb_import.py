"""Knowledge-base import: Markdown, HTML (main content only) and PDF files, pages and a sitemap fetched from a
loopback HTTP server by the Celery task through the outbound checks; re-imports update by source and content
hash; the index rebuild is queued once per import; one bad source imports nothing and is named."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from connectors.models import ArticleImport
from conversations.models import KnowledgeArticle
from tests.connectors.documents import HTML, MARKDOWN, PDF, pdf, sitemap
from training.retrieval import triggers

IMPORTS = "/api/v1/connectors/article-imports/"


@pytest.fixture
def rebuilds(monkeypatch) -> list[int]:
    """Each index rebuild the imports queue once their transaction commits."""
    queued: list[int] = []
    monkeypatch.setattr(triggers, "index_rebuild_queue", lambda: queued.append(1))
    return queued


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "card-delivery.md").write_bytes(MARKDOWN)
    (tmp_path / "fees.html").write_bytes(HTML)
    (tmp_path / "pin.pdf").write_bytes(PDF)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 not imported from a folder")
    return tmp_path


@pytest.mark.django_db
def test_a_folder_is_imported_and_a_reimport_updates_by_source_without_copies(folder, rebuilds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(folder))
    articles = {a.title: a for a in KnowledgeArticle.objects.all()}
    assert set(articles) == {"Card delivery", "Fees and charges", "Changing your PIN"}
    assert "3-5 working days" in articles["Card delivery"].body and "owner:" not in articles["Card delivery"].body
    fees = articles["Fees and charges"].body
    assert "2.5 percent" in fees and "Log in to online banking" not in fees and "Cookie settings" not in fees  # main content only
    assert "cash machine" in articles["Changing your PIN"].body
    assert articles["Card delivery"].source == str((folder / "card-delivery.md").resolve()) and len(articles["Card delivery"].content_hash) == 64
    assert rebuilds == [1]  # one rebuild for three articles

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(folder))
    assert KnowledgeArticle.objects.count() == 3 and rebuilds == [1]  # nothing changed: no rebuild
    assert ArticleImport.objects.order_by("-id").values_list("created", "updated", "unchanged").first() == (0, 0, 3)

    (folder / "card-delivery.md").write_bytes(MARKDOWN.replace(b"3-5 working days", b"2-4 working days"))
    before = KnowledgeArticle.objects.get(title="Card delivery")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(folder))
    after = KnowledgeArticle.objects.get(title="Card delivery")
    assert (after.pk, after.slug) == (before.pk, before.slug) and "2-4 working days" in after.body and after.content_hash != before.content_hash
    assert KnowledgeArticle.objects.count() == 3 and rebuilds == [1, 1]


@pytest.mark.django_db
def test_one_bad_source_imports_nothing_and_every_bad_one_is_named(folder, rebuilds, django_capture_on_commit_callbacks):
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    (folder / "scanned.pdf").write_bytes(pdf())  # a page without a text layer
    sources = [folder / "card-delivery.md", folder / "broken.pdf", folder / "scanned.pdf", folder / "notes.docx", folder / "missing.md"]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError) as failure:
        call_command("import_articles", *map(str, sources))
    report = str(failure.value)
    assert "nothing was imported" in report
    for name, problem in [("broken.pdf", "not a readable PDF"), ("scanned.pdf", "no text found"), ("notes.docx", "unsupported type"),
                          ("missing.md", "no such file")]:
        assert any(name in line and problem in line for line in report.splitlines()), (name, report)
    assert not KnowledgeArticle.objects.exists() and rebuilds == []
    assert ArticleImport.objects.get().status == ArticleImport.Status.FAILED


def site(pages: dict[str, tuple[str, bytes]]):  # noqa: ANN201
    def handler(request):  # noqa: ANN001, ANN202
        if request.path in pages:
            ctype, body = pages[request.path]
            return 200, {"Content-Type": ctype}, body
        return 404, {"Content-Type": "text/plain"}, b"not found"
    return handler


@pytest.mark.django_db
def test_a_sitemap_is_fetched_by_the_task_through_the_outbound_checks(staff_api, loopback, rebuilds, django_capture_on_commit_callbacks):
    server = loopback(site({}))
    server.handler = site({"/sitemap.xml": ("application/xml", sitemap(f"{server.url}/help/fees", f"{server.url}/help/pin.pdf")),
                           "/help/fees": ("text/html; charset=utf-8", HTML), "/help/pin.pdf": ("application/pdf", PDF)})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(IMPORTS, {"sitemap": f"{server.url}/sitemap.xml"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    done = staff_api.get(f"{IMPORTS}{response.json()['id']}/").json()
    assert (done["status"], done["created"], done["errors"]) == ("succeeded", 2, [])
    fees = KnowledgeArticle.objects.get(title="Fees and charges")
    assert fees.source == fees.url == f"{server.url}/help/fees"
    assert [r.path for r in server.requests] == ["/sitemap.xml", "/help/fees", "/help/pin.pdf"] and rebuilds == [1]


@pytest.mark.django_db
def test_an_unreachable_page_is_named_and_nothing_is_imported(staff_api, loopback, rebuilds, django_capture_on_commit_callbacks):
    server = loopback(site({}))
    closed = "http://127.0.0.1:9/help/gone"  # nothing listens on port 9
    server.handler = site({"/sitemap.xml": ("application/xml", sitemap(f"{server.url}/help/fees", f"{server.url}/help/missing", closed)),
                           "/help/fees": ("text/html", HTML)})
    with django_capture_on_commit_callbacks(execute=True):
        record_id = staff_api.post(IMPORTS, {"sitemap": f"{server.url}/sitemap.xml"}, format="json").json()["id"]
    done = staff_api.get(f"{IMPORTS}{record_id}/").json()
    assert done["status"] == "failed" and done["created"] == 0
    assert any(f"{server.url}/help/missing" in e and "404" in e for e in done["errors"])
    assert any(closed in e for e in done["errors"])
    assert not KnowledgeArticle.objects.exists() and rebuilds == []


@pytest.mark.django_db
def test_a_loopback_url_is_refused_unless_allow_listed(staff_api, loopback, settings, django_capture_on_commit_callbacks):
    server = loopback(site({"/help/fees": ("text/html", HTML)}))
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with django_capture_on_commit_callbacks(execute=True):
        record_id = staff_api.post(IMPORTS, {"urls": [f"{server.url}/help/fees"]}, format="json").json()["id"]
    [error] = ArticleImport.objects.get(pk=record_id).errors
    assert error.startswith(f"{server.url}/help/fees:") and "loopback" in error
    assert server.requests == [] and not KnowledgeArticle.objects.exists()


@pytest.mark.django_db
def test_uploaded_files_are_imported_at_once_and_a_bad_one_answers_the_error_shape(staff_api, rebuilds, django_capture_on_commit_callbacks):
    def upload(*files: tuple[str, bytes]) -> object:
        with django_capture_on_commit_callbacks(execute=True):
            return staff_api.post(IMPORTS, {"files": [SimpleUploadedFile(n, d) for n, d in files]}, format="multipart")

    good = upload(("card-delivery.md", MARKDOWN), ("pin.pdf", PDF))
    assert good.status_code == 201, good.json()
    assert (good.json()["status"], good.json()["created"]) == ("succeeded", 2)
    assert KnowledgeArticle.objects.get(title="Card delivery").source == "upload:card-delivery.md"
    bad = upload(("fees.html", HTML), ("empty.md", b"# Title only\n"))
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "import_failed" and error["details"]["errors"] == ["upload:empty.md: no text found"]
    assert KnowledgeArticle.objects.count() == 2 and rebuilds == [1]


@pytest.mark.django_db
def test_files_and_urls_in_one_request_are_refused(staff_api):
    response = staff_api.post(IMPORTS, {"files": [SimpleUploadedFile("a.md", MARKDOWN)], "urls": ["http://93.184.215.14/a"]}, format="multipart")
    assert response.status_code == 400 and not ArticleImport.objects.exists()


@pytest.mark.django_db
def test_the_admin_upload_page_imports_for_staff_and_refuses_agents(staff_web, agent_web, rebuilds, django_capture_on_commit_callbacks):
    assert agent_web.get("/admin/connectors/articleimport/upload/").status_code == 403
    assert "Import articles" in staff_web.get("/admin/connectors/articleimport/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_web.post("/admin/connectors/articleimport/upload/", {"files": [SimpleUploadedFile("card-delivery.md", MARKDOWN)]})
    assert response.status_code == 302 and KnowledgeArticle.objects.filter(title="Card delivery").exists()
    broken = staff_web.post("/admin/connectors/articleimport/upload/", {"files": [SimpleUploadedFile("x.pdf", b"junk")]})
    assert broken.status_code == 200 and "upload:x.pdf: not a readable PDF" in broken.content.decode()
