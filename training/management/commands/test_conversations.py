from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from training.evaluation.evaluate import EvaluationRefused, evaluation_pipeline
from training.evaluation.stories import stories_run, stories_summary
from training.ml.common.errors import MLError
from training.ml.evaluation.stories import stories_load
from training.serving.pipeline import TIERS


class Command(BaseCommand):
    help = ("Run conversation tests (YAML stories, docs/evaluation.md) through the served pipeline; print each turn and "
            "a diff of every unmet expectation; exit non-zero when any fails. Nothing is stored.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="A YAML file of stories, or a folder of them.")
        parser.add_argument("--tier", choices=TIERS, help="Answer tier (default: what serving chooses now).")
        parser.add_argument("--responder-version", type=int, help="Responder version for the generative tier.")

    def handle(self, *args: object, path: str, tier: str | None, responder_version: int | None, **options: object) -> None:
        try:
            stories = stories_load(path)
            results = stories_run(stories, evaluation_pipeline(responder_version=responder_version, tier=tier))
        except (MLError, EvaluationRefused) as exc:
            raise CommandError(str(exc)) from None
        story = None
        for result in results:
            if result.story != story:
                story = result.story
                self.stdout.write(f"\nstory: {story} ({result.source})")
            seen = result.observed
            verdict = f"handed off ({seen.reason or 'with an agent'})" if seen.handed_off else f"answered ({seen.tier})"
            mark = self.style.ERROR("FAIL") if result.diffs else self.style.SUCCESS("ok  ")
            self.stdout.write(f"  {mark} line {result.line}: {result.user!r} -> intent {seen.intent}, {verdict}")
            for key, expected, observed in result.diffs:
                self.stdout.write(f"       {key}: - expected {expected!r}")
                self.stdout.write(f"       {' ' * len(key)}  + observed {observed!r}")
        summary = stories_summary(results)
        line = f"\n{summary['stories']} stories, {summary['turns']} turns, {summary['failed']} failed"
        if summary["failed"]:
            raise CommandError(line.strip())
        self.stdout.write(self.style.SUCCESS(line))
