from conversations.errors import ChatError


class TrainingRefused(ChatError):
    code = "training_refused"


class KnowledgeBaseUnusable(ChatError):
    """The published articles cannot be indexed (none, or some without text)."""

    code = "knowledge_base_unusable"


class IndexUnavailable(ChatError):
    code = "index_unavailable"
    status = 503


class ActivationRefused(ChatError):
    code = "activation_refused"
    status = 409


class AuditRefused(ChatError):
    code = "audit_refused"
    status = 409
