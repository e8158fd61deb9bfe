"""A bot action's templates: URL values cannot leave their place; the reply takes scalars from the JSON result."""

import pytest

from integrations.actions.templates import TemplateShapeError, reply_fill, url_fields, url_fill


def test_a_url_value_is_encoded_whole():
    template = "https://cards.example/v1/{reference}/delivery?lang={lang}"
    assert url_fields(template) == ["reference", "lang"]
    filled = url_fill(template, {"reference": "../admin?x=1#y", "lang": "en gb&debug=1"})
    assert filled == "https://cards.example/v1/..%2Fadmin%3Fx%3D1%23y/delivery?lang=en%20gb%26debug%3D1"


def test_the_reply_takes_nested_keys_list_items_numbers_and_booleans():
    data = {"status": "dispatched", "delivery": {"carrier": "DPD", "days": 2}, "items": [{"name": "Debit card"}], "tracked": True}
    template = "{{ status }} by {{delivery.carrier}} in {{delivery.days}} days: {{items.0.name}} (tracked: {{tracked}})"
    assert reply_fill(template, data) == "dispatched by DPD in 2 days: Debit card (tracked: yes)"


@pytest.mark.parametrize(
    ("template", "data"),
    [("{{status}}", {"state": "x"}), ("{{status}}", ["dispatched"]), ("{{delivery}}", {"delivery": {"a": 1}}),
     ("{{status}}", {"status": None}), ("{{items.3}}", {"items": [1]})],
)
def test_a_missing_or_non_scalar_key_is_a_shape_error(template, data):
    with pytest.raises(TemplateShapeError):
        reply_fill(template, data)
