from conversations.admin import content, conversation, privacy  # noqa: F401
