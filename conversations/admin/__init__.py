from conversations.admin import content, conversation  # noqa: F401
