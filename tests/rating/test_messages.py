"""The Django side of the engine's structured messages: one translated template per engine code
with the same placeholders, display formatting, the fallbacks (older plain texts, unknown codes)."""

from __future__ import annotations

import logging

from django.utils import translation

from credo.rating.engine.messages import MESSAGES, Message, message, money_list, placeholders
from credo.rating.messages import ENGINE_MESSAGES, render_message


def test_every_engine_code_has_a_template_with_the_same_placeholders():
    assert set(ENGINE_MESSAGES) == set(MESSAGES)
    for code, spec in MESSAGES.items():
        # str() of a lazy text in English is its msgid
        with translation.override("en"):
            template = str(ENGINE_MESSAGES[code])
        assert placeholders(template) == placeholders(spec.template), code
        assert template == spec.template, code  # the msgid is the engine's English text


def test_rendering_in_english_formats_parameters():
    with translation.override("en"):
        assert render_message(message("limit.recommended", amount=1_234_567.0)) == (
            "Recommended limit: 1,234,567"
        )
        assert render_message(message("value.missing_inputs",
                                      inputs="current_assets, inventory")) == (
            "missing: current assets, inventory"
        )
        assert render_message(message("feature.not_available", feature="payment_index")) == (
            "Payment index not available"
        )
        assert render_message(message("limit.minimum_of", amounts=money_list([5e5, 3e5]),
                                      amount=3e5)) == "Minimum of 500,000, 300,000 = 300,000"
        assert render_message(message("value.status", status="zero_denominator")) == (
            "zero denominator"
        )
        # the stored JSON form renders the same
        stored = message("limit.rate_of", rate=0.2, base=1e6, amount=2e5).to_json()
        assert render_message(stored) == "20 % x 1,000,000 = 200,000"


def test_status_and_labels_render_in_chinese():
    with translation.override("zh-hans"):
        no_data = translation.gettext("no data")
        assert no_data != "no data"  # translated in the catalogue
        assert render_message(message("value.status", status="missing_input")) == no_data
        text = render_message(message("feature.not_available", feature="payment_index"))
        assert str(translation.gettext("Payment index")) in text


def test_older_plain_texts_and_unknown_codes(caplog):
    assert render_message("statement 2024-12-31 (12 months)") == "statement 2024-12-31 (12 months)"
    assert render_message(None) == "" and render_message("") == ""
    with caplog.at_level(logging.WARNING, logger="credo.rating.messages"):
        assert render_message({"code": "no.such.code", "params": {}}) == "no.such.code"
    assert "no.such.code" in caplog.text
    assert render_message(Message("feature.no_payment_record")) == "no payment record"
