"""The live tests' keyword pipeline with the real bot-action step (BOT_ACTIONS_PROVIDER's default) plugged in,
as training/serving/pipeline.py plugs it into the served pipeline."""

from __future__ import annotations

import dataclasses

from conversations.bot.pipeline import Pipeline
from integrations.actions.runtime import provider
from tests.live.pipelines import streaming_pipeline


def action_pipeline() -> Pipeline:
    return dataclasses.replace(streaming_pipeline(), actions=provider())
