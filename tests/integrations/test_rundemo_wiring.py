"""`make run` (rundemo) wires the demo action: the load command pointed at the port where it starts the fake
card-delivery service, loopback allow-listed and the token set for the demo's processes only."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from django.test import override_settings

from integrations import demo_service
from integrations.outbound import OutboundFailed, outbound_request
from training.management.commands import rundemo


def test_rundemo_starts_the_service_where_the_action_points(monkeypatch):
    ran: list[list[str]] = []
    monkeypatch.setattr(rundemo.subprocess, "run", lambda cmd, **kwargs: ran.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    env = {"DJANGO_SETTINGS_MODULE": "chatbot.settings.local"}
    service = rundemo.Command()._wire_demo_action(env)

    assert env["OUTBOUND_ALLOWED_NETWORKS"] == "127.0.0.1/32"
    assert json.loads(env["ACTION_SECRETS"]) == {"KESTREL_CARDS_TOKEN": demo_service.DEMO_TOKEN}
    load = ran[0]
    assert load[1:4] == ["-m", "django", "load_demo_actions"]
    url = load[load.index("--service-url") + 1]
    assert service[1:3] == ["-m", "integrations.demo_service"] and url == f"http://127.0.0.1:{service[service.index('--port') + 1]}"

    # The command it starts serves the card-delivery answers at that URL.
    process = subprocess.Popen([sys.executable, *service[1:]], stdout=subprocess.DEVNULL)
    try:
        with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"]):
            for _ in range(50):
                try:
                    answer = outbound_request(method="GET", url=f"{url}/cards/12345678/delivery", timeout_s=1,
                                              headers={"Authorization": demo_service.DEMO_TOKEN})
                    break
                except OutboundFailed:
                    time.sleep(0.1)
        assert answer.json()["status"] == demo_service.delivery_status("12345678")["status"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_variable_the_operator_set_is_kept(monkeypatch):
    monkeypatch.setattr(rundemo.subprocess, "run", lambda cmd, **kwargs: subprocess.CompletedProcess(cmd, 0))
    env = {"OUTBOUND_ALLOWED_NETWORKS": "10.0.0.0/8", "DEMO_CARDS_PORT": "18999"}
    service = rundemo.Command()._wire_demo_action(env)
    assert env["OUTBOUND_ALLOWED_NETWORKS"] == "10.0.0.0/8" and service[-1] == "18999"
