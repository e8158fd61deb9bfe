from collections.abc import Iterator

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from training.kinds import kind_choices
from training.models import ModelVersion, TrainingRun


class KindField(serializers.ChoiceField):
    """A registered model kind (training/kinds.py), as registered when the serializer is used."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=kind_choices(), **kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        super().bind(field_name, parent)
        self.choices = kind_choices()


class TrainingRunOut(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    model_version = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = TrainingRun
        fields = ["id", "kind", "status", "parameters", "progress", "error", "attempts", "model_version",
                  "started_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class TrainingRunIn(serializers.Serializer):
    kind = KindField(default="intent")
    parameters = serializers.DictField(required=False, default=dict,
                                       help_text="Options of the kind: intent (epochs, base_model, learning_rate, … and activate); "
                                                 "retrieval_index (model, index_type, index_examples, min_score, force, activate; docs/training.md).")

    def validate_parameters(self, value: dict) -> dict:
        # Stored as JSON: PostgreSQL refuses NUL characters and unpaired surrogates with a server error.
        for text in _strings(value):
            ProhibitNullCharactersValidator()(text)
            ProhibitSurrogateCharactersValidator()(text)
        return value


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class ModelVersionOut(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ModelVersion
        fields = ["id", "kind", "version", "base_model", "hyperparameters", "data_hash", "metrics", "artifact_path",
                  "format_version", "is_active", "activated_at", "created_by", "created_at"]
        read_only_fields = fields


class RollbackIn(serializers.Serializer):
    kind = KindField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                            help_text="Needed when the version's bias audit did not pass (docs/audit.md).")


class ActivateIn(serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                            help_text="Needed when the version's bias audit did not pass; recorded with your name.")
