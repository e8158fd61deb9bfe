"""Machine-learning code. Knows nothing of Django or Celery; heavy libraries are imported lazily."""
