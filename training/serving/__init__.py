"""Serving: the active version of each kind, loaded once per process and hot-switched; the chat
pipeline's classifier, retriever and responder adapters; the pipeline provider; staff search."""
