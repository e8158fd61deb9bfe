"""Bulk CSV import of training examples: all or nothing, with the offending line numbers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.errors import ImportFailed
from conversations.imports import examples_import_csv
from conversations.models import Intent, TrainingExample
from tests.conversations.test_api_conversations import assert_error
from tests.factories import IntentFactory, TrainingExampleFactory

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/examples/import/"
GOOD_ROWS = [(f"good question number {n}", "card_arrival" if n % 2 else "card_declined") for n in range(10)]


def csv_bytes(rows: list[tuple[str, str]], header: str = "text,label") -> bytes:
    lines = [header] + [f'"{text}",{label}' for text, label in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client, data: bytes, name: str = "examples.csv"):  # noqa: ANN001,ANN201
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type="text/csv")}, format="multipart")


class TestApi:
    def test_good_file_is_imported(self, integrator_api, integrator):
        IntentFactory(name="card_arrival")
        response = upload(integrator_api, csv_bytes(GOOD_ROWS))
        assert response.status_code == 201, response.content
        assert response.json() == {"rows": 10, "created": 10, "duplicates": 0, "intents_created": ["card_declined"]}
        assert TrainingExample.objects.filter(source=TrainingExample.Source.IMPORT, created_by=integrator).count() == 10
        assert TrainingExample.objects.filter(intent__name="card_arrival").count() == 5

    def test_ten_good_rows_and_one_bad_import_nothing(self, staff_api):
        rows = GOOD_ROWS[:6] + [("", "card_arrival")] + GOOD_ROWS[6:]
        error = assert_error(upload(staff_api, csv_bytes(rows)), 400, "import_failed")
        assert error["details"]["errors"] == ["line 8: empty text"]
        assert "nothing was imported" in error["message"]
        assert not TrainingExample.objects.exists() and not Intent.objects.exists()

    def test_missing_columns(self, staff_api):
        error = assert_error(upload(staff_api, b"question,intent\nwhere is my card,card_arrival\n"), 400, "import_failed")
        assert "missing: text, label" in error["message"]
        assert error["details"]["errors"] == ["line 1: columns found: question, intent"]

    def test_one_missing_column(self, staff_api):
        error = assert_error(upload(staff_api, b"text\nwhere is my card\n"), 400)
        assert "missing: label" in error["message"]

    def test_empty_rows_and_bad_labels_are_listed_by_line(self, staff_api):
        data = (
            "text,label\n"
            "fine row,card_arrival\n"
            ",\n"
            "no label here,\n"
            "  ,  \n"
            "shouting,Card Arrival\n"
            "another fine row,card_arrival\n"
        ).encode()
        error = assert_error(upload(staff_api, data), 400, "import_failed")
        assert error["details"]["errors"] == [
            "line 3: empty row",
            "line 4: empty label",
            "line 5: empty row",
            "line 6: label 'Card Arrival' must be lowercase letters, digits and underscores",
        ]
        assert error["message"].startswith("4 bad row(s)")
        assert not TrainingExample.objects.exists()

    def test_non_utf8_file(self, staff_api):
        data = "text,label\ncafé crème,card_arrival\n".encode("latin-1")
        error = assert_error(upload(staff_api, data), 400, "import_failed")
        assert "UTF-8" in error["message"]
        assert not TrainingExample.objects.exists()

    def test_utf8_with_bom_and_crlf(self, staff_api):
        data = "\ufefftext,label\r\ncafé crème order,card_arrival\r\n".encode()
        response = upload(staff_api, data)
        assert response.status_code == 201, response.content
        assert TrainingExample.objects.get().text == "café crème order"

    def test_header_only(self, staff_api):
        error = assert_error(upload(staff_api, b"text,label\n"), 400, "import_failed")
        assert "no data rows" in error["message"]

    def test_no_file(self, staff_api):
        error = assert_error(staff_api.post(IMPORT, {}, format="multipart"), 400, "validation_error")
        assert "file" in error["details"]

    def test_json_body_is_refused(self, staff_api):
        assert_error(staff_api.post(IMPORT, {"file": "text,label"}, format="json"), 415, "unsupported_media_type")

    def test_permissions(self, agent_api, customer_a_api, anon_api):
        data = csv_bytes(GOOD_ROWS)
        assert_error(upload(agent_api, data), 403)
        assert_error(upload(customer_a_api, data), 403)
        assert_error(upload(anon_api, data), 401)
        assert not TrainingExample.objects.exists()


class TestService:
    def test_duplicates_are_skipped_not_doubled(self):
        card = IntentFactory(name="card_arrival")
        TrainingExampleFactory(intent=card, text="where is my card")
        result = examples_import_csv(data="text,label\nwhere is my card,card_arrival\nnew one,card_arrival\nnew one,card_arrival\n")
        assert (result.rows, result.created, result.duplicates, result.intents_created) == (3, 1, 2, [])
        assert set(TrainingExample.objects.values_list("text", flat=True)) == {"where is my card", "new one"}
        # The seed example keeps its source.
        assert TrainingExample.objects.get(text="where is my card").source == TrainingExample.Source.SEED

    def test_same_text_under_two_labels_is_two_examples(self):
        result = examples_import_csv(data="text,label\nshared text,alpha\nshared text,beta\n")
        assert result.created == 2 and result.intents_created == ["alpha", "beta"]

    def test_quoted_commas_and_newlines(self):
        examples_import_csv(data='text,label\n"hello, my card\nis late",card_arrival\n')
        assert TrainingExample.objects.get().text == "hello, my card\nis late"

    def test_extra_columns_are_ignored(self):
        result = examples_import_csv(data="id,text,label,notes\n1,where is my card,card_arrival,x\n")
        assert result.created == 1

    def test_text_over_the_message_limit(self, settings):
        settings.CHAT_MAX_MESSAGE_CHARS = 10
        with pytest.raises(ImportFailed) as exc:
            examples_import_csv(data="text,label\nthis text is too long,card_arrival\n")
        assert exc.value.errors == ["line 2: text longer than 10 characters"]

    def test_row_limit(self, settings):
        settings.CHAT_IMPORT_MAX_ROWS = 2
        with pytest.raises(ImportFailed) as exc:
            examples_import_csv(data="text,label\na,x\nb,x\nc,x\n")
        assert "more than 2 rows" in exc.value.message and exc.value.errors == ["line 4: over the limit"]
        assert not TrainingExample.objects.exists()

    def test_long_error_lists_are_cut(self):
        data = "text,label\n" + "".join(f"row {n},BAD\n" for n in range(30))
        with pytest.raises(ImportFailed) as exc:
            examples_import_csv(data=data)
        assert len(exc.value.errors) == 20 and exc.value.errors[0].startswith("line 2:")
        assert "30 bad row(s)" in exc.value.message and "(and 10 more)" in exc.value.message

    def test_failure_in_the_write_rolls_everything_back(self, monkeypatch):
        from conversations import imports

        def explode(batch):  # noqa: ANN001,ANN202
            raise RuntimeError("disk full")

        monkeypatch.setattr(imports.TrainingExample.objects, "bulk_create", explode)
        with pytest.raises(RuntimeError):
            examples_import_csv(data="text,label\nhello,brand_new_intent\n")
        assert not Intent.objects.filter(name="brand_new_intent").exists()
