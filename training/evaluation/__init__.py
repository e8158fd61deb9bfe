"""Answer quality: the held-out set, evaluate_bot over the served pipeline, conversation tests, the chat shell."""
