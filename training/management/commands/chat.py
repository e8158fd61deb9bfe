from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from training.evaluation.evaluate import EvaluationRefused, evaluation_pipeline
from training.evaluation.served import item_run, serving
from training.ml.evaluation.dataset import EvalItem
from training.ml.evaluation.report import Outcome
from training.serving.pipeline import TIERS


class Command(BaseCommand):
    help = ("Chat with the served pipeline in the terminal (PII on, nothing stored). Each turn prints the intent and its "
            "confidence, the passages with their scores, the tier, the citations, whether it would hand off and why, "
            "and the time to first token. /reset starts a new conversation, /quit (or end of input) leaves.")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: object):
        # --version names the responder version here, replacing Django's "print Django's version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--version", type=int, help="Responder version for the generative tier (default: the active one).")
        parser.add_argument("--tier", choices=TIERS, help="Answer tier (default: what serving chooses now).")

    def handle(self, *args: object, version: int | None, tier: str | None, **options: object) -> None:
        try:
            pipeline = evaluation_pipeline(responder_version=version, tier=tier)
        except EvaluationRefused as exc:
            raise CommandError(str(exc)) from None
        interactive = sys.stdin.isatty()
        history: list[str] = []
        self.stdout.write("Kestrel chat: type a message; /reset for a new conversation, /quit to leave.")
        with serving(pipeline) as recorder:
            while True:
                if interactive:
                    self.stdout.write("you> ", ending="")
                    self.stdout.flush()
                line = sys.stdin.readline()
                if not line or line.strip() == "/quit":
                    break
                text = line.strip()
                if not text:
                    continue
                if text == "/reset":
                    history = []
                    self.stdout.write("(new conversation)")
                    continue
                outcome = item_run(EvalItem(id="chat", question=text, history=tuple(history), kind="answer", article=None,
                                            facts=()), recorder)
                self._show(outcome)
                history.append(text)

    def _show(self, outcome: Outcome) -> None:
        confidence = "n/a" if outcome.confidence is None else f"{outcome.confidence:.3f}"
        self.stdout.write(f"bot> {outcome.reply}")
        self.stdout.write(f"  intent: {outcome.intent or '(none)'} (confidence {confidence})")
        for source in outcome.sources:
            mark = "*" if source.number in outcome.cited else " "
            self.stdout.write(f"  {mark}[{source.number}] {source.score:.3f} {source.title}")
        if not outcome.sources:
            self.stdout.write("  passages: none")
        self.stdout.write(f"  tier: {outcome.tier or '(none)'}; cites: {outcome.cited or 'nothing'}")
        if outcome.handed_off:
            self.stdout.write(f"  would hand off: yes ({outcome.handoff_reason or 'with an agent'})")
        else:
            self.stdout.write("  would hand off: no")
        ttft = "n/a" if outcome.ttft_ms is None else f"{outcome.ttft_ms:.0f} ms"
        self.stdout.write(f"  time to first token: {ttft}; whole reply {outcome.total_ms:.0f} ms")
