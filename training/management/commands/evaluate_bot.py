from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from training.evaluation.evaluate import EvaluationRefused, bot_evaluate
from training.evaluation.reportfile import report_summary, report_write
from training.ml.common.errors import MLError
from training.serving.pipeline import TIERS


class Command(BaseCommand):
    help = ("Run the served pipeline (intent model, index, answer tier, PII on) over a held-out JSONL and write the "
            "answer-quality report (docs/evaluation.md). Nothing is stored in the database.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", required=True, help="JSONL of {id, question, history, kind, article, facts}.")
        parser.add_argument("--report", required=True, help="Write the report (JSON) to this path.")
        parser.add_argument("--responder-version", type=int, help="Responder version for the generative tier (default: the active one).")
        parser.add_argument("--tier", choices=TIERS, help="Answer tier (default: what serving chooses now).")

    def handle(self, *args: object, data: str, report: str, responder_version: int | None, tier: str | None,
               **options: object) -> None:
        verbosity = int(options.get("verbosity", 1))

        def progress(number: int, item, outcome) -> None:
            if verbosity >= 2:
                verdict = "handed off" if outcome.handed_off else (outcome.tier or "answered")
                self.stdout.write(f"{number:4d} {item.id}: {verdict} ({outcome.total_ms:.0f} ms)")

        try:
            result = bot_evaluate(data=data, responder_version=responder_version, tier=tier, progress=progress)
            written = report_write(result, report)
        except (MLError, EvaluationRefused, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report_summary(result))
        self.stdout.write(f"report: {written}")
