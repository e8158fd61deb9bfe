from conversations.admin import content, conversation, privacy, workspace  # noqa: F401
