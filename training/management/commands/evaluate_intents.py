from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from training.intent.evaluation import evaluation_write
from training.intent.job import KIND
from training.ml.common.errors import MLError
from training.ml.intent import load_csv
from training.models import ModelVersion


class Command(BaseCommand):
    help = "Evaluate an intent model version on a text,label CSV; print accuracy and macro-F1, optionally write a JSON report."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: object):  # noqa: ANN201
        # --version names the model version here, replacing Django's "print Django's version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--data", required=True, help="CSV with the columns text,label ('oos' rows: out of scope).")
        parser.add_argument("--version", type=int, help="Version number (default: the active version).")
        parser.add_argument("--report", help="Write the full report (JSON) to this path; plots go beside it.")

    def handle(self, *args: object, data: str, version: int | None, report: str | None, **options: object) -> None:
        versions = ModelVersion.objects.filter(kind=KIND)
        chosen = versions.filter(version=version).first() if version is not None else versions.filter(is_active=True).first()
        if chosen is None:
            raise CommandError(f"No intent version {version}." if version is not None else "No active intent version; pass --version.")
        try:
            examples = load_csv(data)
            out_dir = Path(report).resolve().parent if report else Path(tempfile.mkdtemp(prefix="intent-eval-"))
            summary = evaluation_write(Path(chosen.artifact_path), examples=examples, out_dir=out_dir)
        except (MLError, OSError) as exc:
            raise CommandError(str(exc)) from None
        written = out_dir / "report.json"
        if report:
            written.replace(report)
            written = Path(report)
        self.stdout.write(f"intent v{chosen.version} on {summary['n_examples']} examples: "
                          f"accuracy {summary['accuracy']:.4f}, macro-F1 {summary['macro_f1']:.4f}")
        if "oos_recall" in summary:
            self.stdout.write(f"in-scope accuracy {summary['in_scope_accuracy']:.4f}, out-of-scope recall {summary['oos_recall']:.4f}")
        self.stdout.write(f"report: {written}")
