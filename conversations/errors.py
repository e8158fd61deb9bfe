"""Domain errors raised by services; the API and consumers map them to responses."""


class ChatError(Exception):
    """A request the platform refuses, with a stable code and a message for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidMessage(ChatError):
    code = "invalid_message"


class ConversationClosed(ChatError):
    code = "conversation_closed"
    status = 409


class InvalidTransition(ChatError):
    code = "invalid_transition"
    status = 409


class ImportFailed(ChatError):
    code = "import_failed"

    def __init__(self, message: str, *, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors
