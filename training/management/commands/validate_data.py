from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from training.intent.validation import intent_data_validate
from training.ml.common.errors import BaseModelError
from training.ml.intent import IntentDataError


class Command(BaseCommand):
    help = ("Check the intent training data (database examples, or a text,label CSV): texts with two labels, "
            "labels with too few examples, imbalance, near-duplicates across labels and examples that look like "
            "another label's. Exits 1 when training would refuse the data (--strict: also when a text has two labels).")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--data", help="CSV with the columns text,label (default: the database examples).")
        parser.add_argument("--strict", action="store_true",
                            help="Fail on texts that carry two labels too (training drops those rows by default).")
        parser.add_argument("--no-encoder", action="store_true",
                            help="Skip the sentence-vector checks (near-duplicates, nearest-centroid).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: object, data: str | None, strict: bool, no_encoder: bool, json: bool,  # noqa: A002
               **options: object) -> None:
        try:
            report = intent_data_validate(csv_path=data, encoder=not no_encoder)
        except (IntentDataError, BaseModelError) as exc:
            raise CommandError(f"The data cannot be read; nothing was checked further:\n{exc}") from None
        self.stdout.write(_json_dumps(report.to_json()) if json else report.to_text())
        if not report.trainable:
            refused = [f.message for f in report.errors if f.check != "conflicting_labels"]
            raise CommandError("Training would refuse this data:\n  - " + "\n  - ".join(refused))
        if strict and report.errors:
            raise CommandError(f"--strict: {len(report.errors)} error(s), e.g. texts that carry two labels.")


def _json_dumps(body: dict) -> str:
    return jsonlib.dumps(body, indent=1, ensure_ascii=False)
