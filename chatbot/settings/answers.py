"""The answer tiers (training/serving/answers.py): when the extractive tier answers, and the serve-time
check every generated sentence passes before a customer sees it. Chosen on the dev split of the
evaluation set (training/evaluation/data/answers_dev.jsonl; docs/benchmarks.md says how)."""

from chatbot.settings.env import env_float, env_int

# Extractive tier: the best passage sentence's score (cosine with the question and recent turns, plus small
# bonuses for the top passage and shared words) must reach this, or the bot hands off (nothing_relevant).
ANSWER_EXTRACTIVE_MIN_SCORE = env_float("ANSWER_EXTRACTIVE_MIN_SCORE", 0.5)
ANSWER_EXTRACTIVE_MAX_SENTENCES = env_int("ANSWER_EXTRACTIVE_MAX_SENTENCES", 3)
# Further sentences of the same article join the best one when they score within this of it (its neighbours
# within 0.3: the next sentence often carries the answer). Both chosen on the dev split: bench/tiers/extractive_dev.py.
ANSWER_EXTRACTIVE_KEEP_WITHIN = env_float("ANSWER_EXTRACTIVE_KEEP_WITHIN", 0.1)
# Generative tier: share of a sentence's content words in its cited passage, and its best cosine with a
# sentence of that passage; below either it is not shown.
ANSWER_MIN_OVERLAP = env_float("ANSWER_MIN_OVERLAP", 0.6)
ANSWER_MIN_SIMILARITY = env_float("ANSWER_MIN_SIMILARITY", 0.55)
