from rest_framework import serializers

from training.models import ModelKind, ModelVersion, TrainingRun


class TrainingRunOut(serializers.ModelSerializer):
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    model_version = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = TrainingRun
        fields = ["id", "kind", "status", "parameters", "progress", "error", "attempts", "model_version",
                  "started_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class TrainingRunIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[ModelKind.INTENT.value], default=ModelKind.INTENT.value)
    parameters = serializers.DictField(required=False, default=dict,
                                       help_text="Training options (epochs, base_model, learning_rate, … and activate).")


class ModelVersionOut(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ModelVersion
        fields = ["id", "kind", "version", "base_model", "hyperparameters", "data_hash", "metrics", "artifact_path",
                  "format_version", "is_active", "activated_at", "created_by", "created_at"]
        read_only_fields = fields


class RollbackIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ModelKind.choices)
