"""Live chat: WebSocket origins, per-connection limits, reply workers and the web widget."""

from chatbot.settings.env import env_float, env_int, env_list, env_str

# Sites allowed to embed the widget, as full origins ("https://shop.example.com"; "*" for any).
# They may open customer sockets and call the public conversation API cross-origin (CORS).
# The server's own hosts (ALLOWED_HOSTS) are always allowed; the agent socket accepts only those.
CHAT_ALLOWED_ORIGINS = env_list("CHAT_ALLOWED_ORIGINS")

# Per-connection rate limit: at most this many frames in any window of this many seconds.
CHAT_SOCKET_RATE_LIMIT = env_int("CHAT_SOCKET_RATE_LIMIT", 20)
CHAT_SOCKET_RATE_WINDOW_S = env_float("CHAT_SOCKET_RATE_WINDOW_S", 10.0)
# A customer socket must send its auth frame within this many seconds.
CHAT_AUTH_TIMEOUT_S = env_float("CHAT_AUTH_TIMEOUT_S", 10.0)
# Threads that run the pipeline off the event loop; also caps the DB connections they hold.
CHAT_REPLY_WORKERS = env_int("CHAT_REPLY_WORKERS", 16)
# On SIGTERM, how long a web process lets replies in flight finish before telling sockets to reconnect
# (keep it below the process manager's stop timeout: Docker waits 10 s before SIGKILL).
CHAT_SHUTDOWN_GRACE_S = env_float("CHAT_SHUTDOWN_GRACE_S", 8.0)
# Messages sent in the history frame (the most recent ones).
CHAT_HISTORY_LIMIT = env_int("CHAT_HISTORY_LIMIT", 200)

CHAT_WIDGET_TITLE = env_str("CHAT_WIDGET_TITLE", "Kestrel Bank support")
CHAT_WIDGET_GREETING = env_str("CHAT_WIDGET_GREETING", "Hi! Ask me anything about your account, cards or payments.")
# A customer message's answer is someone's for this long (renewed while it streams); a resend after it ran
# out, with no reply stored, is answered again (the process answering it died).
CHAT_ANSWER_LEASE_S = env_float("CHAT_ANSWER_LEASE_S", 15.0)
