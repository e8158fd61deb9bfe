from training.models import ModelVersion


def active_versions() -> dict[str, ModelVersion]:
    """The active model version of each kind that has one."""
    return {v.kind: v for v in ModelVersion.objects.filter(is_active=True)}
