"""Make the demo answer: migrate, demo data, logins, then the knowledge-base index and the intent model, in the foreground.

Safe to run again: what is already active and up to date is kept (a second run takes seconds).
The slower responder fine-tune is not trained here; `rundemo` queues it in the background.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from conversations.demo import DEMO_DIR, PAST_FILE, DemoDataError, demo_conversations_load, demo_data_load
from conversations.errors import ChatError
from training.intent.job import KIND as INTENT
from training.models import ModelVersion, TrainingRun
from training.registry.runs import StartTraining, run_execute
from training.retrieval.job import KIND as INDEX

# The demo's intent model: the defaults (6 epochs over ~860 examples, about 90 s on two cores).
DEMO_INTENT_PARAMETERS: dict[str, Any] = {"activate": True}


class Command(BaseCommand):
    help = ("Prepare the demo so the bot answers: migrate, load the demo data, create the demo logins, "
            "build the knowledge-base index and train the intent model now (progress bar), then exit. Idempotent.")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--password", default="demo-password", help="Password of every demo login.")
        parser.add_argument("--data-dir", type=Path, default=DEMO_DIR,
                            help="Folder with intents.json, articles.json and out_of_scope.json (default: Kestrel Bank).")
        parser.add_argument("--retrain", action="store_true", help="Train the intent model even when one is active.")

    def handle(self, *args: object, password: str, data_dir: Path, retrain: bool, **options: object) -> None:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        try:
            loaded = demo_data_load(directory=data_dir)
        except DemoDataError as exc:
            raise CommandError(f"Demo data not loaded (nothing was stored): {exc}") from None
        self.stdout.write(f"Demo data: {loaded.intents} new intents, {loaded.examples} new examples, "
                          f"{loaded.articles} new articles.")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Demo logins:")
        call_command("create_demo_users", password=password, stdout=self.stdout)
        if (data_dir / PAST_FILE).exists():  # a data folder of one's own may come without past conversations
            try:
                past = demo_conversations_load(directory=data_dir)
            except DemoDataError as exc:
                raise CommandError(f"Demo conversations not loaded: {exc}") from None
            self.stdout.write(f"Past conversations: {past.loaded} loaded, {past.skipped} already there.")
        self._train(INDEX, {"activate": True}, label="knowledge-base index", always=True)
        self._train(INTENT, DEMO_INTENT_PARAMETERS, label="intent model", always=retrain)
        self.stdout.write(self.style.SUCCESS(
            f"The demo is ready in {time.perf_counter() - started:.0f} s: the bot answers from the knowledge base "
            "with cited sources. Start it with `manage.py rundemo` (or `make run`)."
        ))

    def _train(self, kind: str, parameters: dict[str, Any], *, label: str, always: bool) -> None:
        active = ModelVersion.objects.filter(kind=kind, is_active=True).first()
        if active is not None and not always:
            self.stdout.write(f"The {label} v{active.version} is already active (--retrain trains a new one).")
            return
        try:
            run = StartTraining(user=None, kind=kind, parameters=parameters).execute(enqueue=False)
        except ChatError as exc:
            raise CommandError(f"Cannot start the {label}: {exc.message}") from None
        self.stdout.write(f"Training the {label}...")
        bars: list[Any] = []  # made at the first step report: an index build reports stages, not steps

        def echo(progress: Any) -> None:
            if not bars:
                bars.append(tqdm(total=progress.total_steps, unit="step", desc=label, file=self.stderr._out))
            bar = bars[0]
            bar.total, bar.n = progress.total_steps, progress.step
            bar.set_postfix(epoch=f"{progress.epoch}/{progress.total_epochs}", loss=f"{progress.loss:.3f}")
            bar.refresh()

        version = run_execute(run_id=run.pk, echo=echo)
        for bar in bars:
            bar.close()
        run.refresh_from_db()
        if run.status != TrainingRun.Status.SUCCEEDED or version is None:
            raise CommandError(f"The {label} (run {run.pk}) failed: {run.error}")
        state = "active" if ModelVersion.objects.filter(pk=version.pk, is_active=True).exists() else (
            "registered, waiting for its bias audit to pass before it serves (AUDIT_GATE_ENABLED)")
        if run.progress.get("stage") == "unchanged":
            self.stdout.write(f"The {label} v{version.version} is up to date and {state}.")
        else:
            self.stdout.write(f"The {label} v{version.version} is trained and {state}.")
