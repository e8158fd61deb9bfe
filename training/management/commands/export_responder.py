"""Write the active (or a chosen) responder version in the form an inference server loads.

    python manage.py export_responder --out /var/lib/chatbot/serve                 # responder.gguf + responder-hf/
    python manage.py export_responder --format gguf --out /var/lib/chatbot/serve   # llama.cpp's server (CPU)
    python manage.py export_responder --format hf --number 3 --out /srv/models    # vLLM / TGI (GPU)

Then serve it under the name RESPONDER_MODEL and set RESPONDER_BACKEND=openai (docs/deployment.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from training.kinds import kind_for_role
from training.ml.common.errors import ArtifactError
from training.ml.responder.gguf_export import QUANTIZATIONS
from training.ml.responder.serving_export import FORMATS, export_for_serving
from training.models import ModelVersion


class Command(BaseCommand):
    help = "Export a responder version for an OpenAI-compatible inference server (GGUF for llama.cpp, HF folder for vLLM)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", required=True, help="folder to write into")
        parser.add_argument("--format", choices=[*FORMATS, "both"], default="both")
        parser.add_argument("--number", type=int, help="responder version number (default: the active one)")
        parser.add_argument("--name", default="responder", help="file name stem: <name>.gguf, <name>-hf/")
        parser.add_argument("--quantization", choices=QUANTIZATIONS, default="f16", help="GGUF weights (f16: as served in-process)")

    def handle(self, *args: object, **options: object) -> None:
        rows = ModelVersion.objects.filter(kind=kind_for_role("responder").name)
        version = options["number"]
        row = (rows.filter(version=version) if version is not None else rows.filter(is_active=True)).first()
        if row is None:
            raise CommandError(f"no responder version {version}" if version is not None else "no responder version is active")
        formats = FORMATS if options["format"] == "both" else (options["format"],)
        try:
            written = export_for_serving(row.artifact_path, options["out"], formats=formats, name=options["name"],
                                         quantization=options["quantization"])
        except (ArtifactError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        for kind, path in written.items():
            self.stdout.write(f"responder v{row.version} {kind}: {path}")
