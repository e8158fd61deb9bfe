"""The agent workspace's copilot and reports: drafted replies, hand-off summaries, the unanswered-questions report."""

from chatbot.settings.env import env_float, env_int, env_str

# What drafts agents' replies: the served tiers with the responder kept for drafting (training/serving/pipeline.py).
# Set to "" in settings (not the environment, where empty means unset): the bot's own CHAT_PIPELINE_PROVIDER.
CHAT_DRAFT_PIPELINE_PROVIDER = env_str("CHAT_DRAFT_PIPELINE_PROVIDER", "training.serving.pipeline.draft_pipeline_components")
# Earlier turns of the conversation a draft reads (retrieval and the answer tiers get them as history).
DRAFT_HISTORY_TURNS = env_int("DRAFT_HISTORY_TURNS", 20)
# The unanswered-questions report: questions closer than this cosine distance share a cluster
# (agglomerative clustering, average linkage, over the served index's encoder).
INSIGHTS_CLUSTER_DISTANCE = env_float("INSIGHTS_CLUSTER_DISTANCE", 0.55)
# At most this many unanswered questions are clustered per report (the newest first).
INSIGHTS_MAX_QUESTIONS = env_int("INSIGHTS_MAX_QUESTIONS", 2000)
