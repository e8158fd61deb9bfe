from conversations.admin import content, conversation, copilot, privacy, workspace  # noqa: F401
