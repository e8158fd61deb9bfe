"""Activation, rollback and the hot switch: processes serve the new version without a restart."""

import time
from pathlib import Path

import pytest

from conversations import services as chat
from conversations.models import Message
from tests.factories import ConversationFactory, IntentFactory
from training.errors import ActivationRefused
from training.models import ModelVersion
from training.registry import versions as registry
from training.serving import slots as serving
from training.serving.classifier import ServedIntentClassifier

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_slot():
    serving.slots_reset()
    yield
    serving.slots_reset()


def _wait_for(version: ModelVersion, timeout: float = 60) -> ServedIntentClassifier:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        served = serving.served_role("classifier")
        if served is not None and served.version == version.version:
            return served
        time.sleep(0.05)
    raise AssertionError(f"v{version.version} was never served")


def test_activate_then_roll_back(version_factory):
    v1 = version_factory(active=True)
    v2 = version_factory()
    registry.version_activate(version=v2)
    assert list(ModelVersion.objects.filter(is_active=True)) == [v2]
    assert registry.version_rollback(kind="intent") == v1
    v1.refresh_from_db(), v2.refresh_from_db()
    assert v1.is_active and not v2.is_active


def test_rollback_without_history_is_refused(version_factory):
    version_factory(active=True)
    with pytest.raises(ActivationRefused, match="no earlier"):
        registry.version_rollback(kind="intent")


def test_a_corrupt_artifact_is_refused_and_the_active_version_stays(version_factory):
    good = version_factory(active=True)
    bad = version_factory(corrupt=True)
    with pytest.raises(ActivationRefused, match="cannot be served"):
        registry.version_activate(version=bad)
    assert list(ModelVersion.objects.filter(is_active=True)) == [good]


def test_hot_switch_keeps_serving_the_old_version_until_the_new_one_is_loaded(version_factory):
    v1 = version_factory(active=True)
    first = serving.served_role("classifier")
    assert first.version == v1.version
    v2 = version_factory()
    registry.version_activate(version=v2)
    # The very next call still answers with v1 while v2 loads in the background.
    assert serving.served_role("classifier") is first
    assert _wait_for(v2).version == v2.version


def test_a_version_that_breaks_after_activation_is_skipped_and_the_old_one_serves(version_factory):
    v1 = version_factory(active=True)
    assert serving.served_role("classifier").version == v1.version
    v2 = version_factory()
    registry.version_activate(version=v2)
    (Path(v2.artifact_path) / "meta.json").write_text("{broken")
    assert serving.served_role("classifier").version == v1.version  # starts loading v2 in the background
    deadline = time.monotonic() + 30
    while serving._slots["intent"].loading_id is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert serving.served_role("classifier").version == v1.version
    assert v2.pk in serving._slots["intent"].failed_ids


def test_messages_are_classified_by_the_active_version(version_factory, dataset):
    version = version_factory(active=True)
    for name in {e.label for e in dataset.train}:
        IntentFactory(name=name)
    example = dataset.test[0]
    exchange = chat.customer_message_receive(conversation=ConversationFactory(), text=example.text)
    message = Message.objects.get(pk=exchange.message.pk)
    assert message.intent is not None and message.confidence is not None
    # No responder is active yet, so the bot hands off, recording which classifier decided.
    assert exchange.reply.model_versions == {"intent": version.version}


def test_concurrent_messages_are_batched(version_factory, dataset):
    from concurrent.futures import ThreadPoolExecutor

    version_factory(active=True)
    served = serving.served_role("classifier")
    texts = [e.text for e in dataset.test[:16]]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(served.classify, texts))
    assert len(results) == 16 and all(r.confidence is not None for r in results)
    assert served._predict.batches_run < 16
