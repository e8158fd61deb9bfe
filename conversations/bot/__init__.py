"""The bot's turn: the pipeline seam (classify -> retrieve -> respond, steps plugged in through
CHAT_PIPELINE_PROVIDER) and the scrubber that anonymizes a reply while it streams."""
