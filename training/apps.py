from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The adapter layer: imported here, once the models are ready (Django's app-loading order).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from conversations.models import KnowledgeArticle
        from training.intent.kind import INTENT
        from training.kinds import kind_register
        from training.responder.kind import RESPONDER
        from training.retrieval import triggers
        from training.retrieval.kind import RETRIEVAL_INDEX

        # The model kinds: adding one is its own folder plus one line here.
        for spec in (INTENT, RETRIEVAL_INDEX, RESPONDER):
            kind_register(spec)

        # An article saved, deleted or re-tagged queues one index rebuild once the change commits.
        post_save.connect(triggers.article_changed, sender=KnowledgeArticle, dispatch_uid="training.article_saved")
        post_delete.connect(triggers.article_changed, sender=KnowledgeArticle, dispatch_uid="training.article_deleted")
        m2m_changed.connect(triggers.article_intents_changed, sender=KnowledgeArticle.intents.through,
                            dispatch_uid="training.article_intents_changed")
