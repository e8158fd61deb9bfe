from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from conversations.errors import ChatError
from training.intent.job import KIND
from training.models import TrainingRun
from training.registry.runs import StartTraining, run_execute


class Command(BaseCommand):
    help = "Fine-tune the intent classifier now, in this process (database examples, or a text,label CSV)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--data", help="CSV with the columns text,label (label 'oos' marks out-of-scope rows).")
        parser.add_argument("--epochs", type=int)
        parser.add_argument("--base-model", help="Hugging Face model id or local folder (default: the bundled MiniLM).")
        parser.add_argument("--activate", action="store_true", help="Serve the new version once it is trained.")
        parser.add_argument("--strict", action="store_true",
                            help="Refuse data in which a text carries two labels (by default those rows are dropped "
                                 "and named in the run's report; `validate_data` lists them).")

    def handle(self, *args: object, data: str | None, epochs: int | None, base_model: str | None, activate: bool,
               strict: bool = False, **options: object) -> None:
        parameters: dict = {"activate": activate}
        if strict:
            parameters["drop_conflicts"] = False
        if data:
            parameters["data_csv"] = data
        if epochs is not None:
            parameters["epochs"] = epochs
        if base_model:
            parameters["base_model"] = base_model
        try:
            run = StartTraining(user=None, kind=KIND, parameters=parameters).execute(enqueue=False)
        except ChatError as exc:
            raise CommandError(exc.message) from None
        bar = tqdm(total=None, unit="step", desc="training")

        def echo(progress) -> None:  # noqa: ANN001
            bar.total = progress.total_steps
            bar.n = progress.step
            bar.set_postfix(epoch=f"{progress.epoch}/{progress.total_epochs}", loss=f"{progress.loss:.4f}")
            bar.refresh()

        version = run_execute(run_id=run.pk, echo=echo)
        bar.close()
        run.refresh_from_db()
        if run.status != TrainingRun.Status.SUCCEEDED or version is None:
            raise CommandError(f"Training run {run.pk} failed: {run.error}")
        m = version.metrics
        for dropped in (m.get("data_validation") or {}).get("dropped_conflicts", []):
            self.stdout.write(self.style.WARNING(
                f"Dropped {dropped['text'][:60]!r}: it carries the labels {', '.join(dropped['labels'])} "
                f"({', '.join(dropped['rows'])})."
            ))
        state = "active" if run.parameters.get("activate") else "not active; activate it in admin or the API"
        self.stdout.write(self.style.SUCCESS(
            f"Intent model v{version.version} ({state}): validation accuracy {m['evaluation']['accuracy']:.4f}, "
            f"macro-F1 {m['evaluation']['macro_f1']:.4f}, serving {m['serving']['serving']}."
        ))
