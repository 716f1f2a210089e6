"""Outbound messages become Cloud API bodies inside Meta's limits, gracefully."""

from __future__ import annotations

import pytest

from bot.whatsapp.errors import Disposition, GraphApiError, classify
from bot.whatsapp.outgoing import message_payload, read_receipt_payload, template_payload
from bot.whatsapp.signature import sign, signature_is_valid
from flows.core.messages import Button, ListRow, OutboundMessage, TemplateCall

TO = "5215512345678"


def test_text_goes_to_exactly_the_id_received() -> None:
    payload = message_payload(OutboundMessage(to=TO, text="¡Hola!"))
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "text",
        "text": {"body": "¡Hola!", "preview_url": False},
    }


def test_a_user_known_only_by_bsuid_is_addressed_as_recipient() -> None:
    payload = message_payload(OutboundMessage(to="US.13491208655302741918", text="Hola"))
    assert payload["recipient"] == "US.13491208655302741918" and "to" not in payload


def test_reply_buttons_keep_ids_and_shorten_titles_to_twenty_characters() -> None:
    message = OutboundMessage(
        to=TO,
        text="¿Confirmo tu cita?",
        footer="Barbería Don Carlos",
        buttons=[Button(id="yes", title="Sí, confírmala por favor"), Button(id="no", title="No")],
    )
    interactive = message_payload(message)["interactive"]
    assert interactive["type"] == "button"
    buttons = interactive["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == ["yes", "no"]
    assert buttons[0]["reply"]["title"] == "Sí, confírmala por…"
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert interactive["footer"] == {"text": "Barbería Don Carlos"}


def test_titles_that_become_equal_when_shortened_stay_distinct() -> None:
    message = OutboundMessage(
        to=TO,
        text="¿Cuál?",
        buttons=[
            Button(id="a", title="Corte de cabello clásico"),
            Button(id="b", title="Corte de cabello clásico largo"),
        ],
    )
    titles = [b["reply"]["title"] for b in message_payload(message)["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 2 and all(len(title) <= 20 for title in titles)


def test_more_than_three_buttons_are_offered_as_a_list() -> None:
    buttons = [Button(id=f"b{i}", title=f"Opción {i}") for i in range(5)]
    message = OutboundMessage.model_construct(
        to=TO,
        text="Elige",
        buttons=buttons,
        rows=[],
        header=None,
        footer=None,
        list_button=None,
        template=None,
        purpose=None,
    )
    interactive = message_payload(message)["interactive"]
    assert interactive["type"] == "list"
    assert [row["id"] for row in interactive["action"]["sections"][0]["rows"]] == [f"b{i}" for i in range(5)]


def test_list_rows_are_shortened_with_the_full_title_kept_as_description() -> None:
    message = OutboundMessage(
        to=TO,
        text="Estos son los horarios",
        header="Jueves 15 de enero",
        rows=[
            ListRow(id="slot:1", title="4:00 PM con Pedro Hernández Ruiz"),
            ListRow(id="slot:2", title="5:30 PM", description="x" * 90),
        ],
        list_button="Ver horarios disponibles ahora",
    )
    interactive = message_payload(message)["interactive"]
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows[0]["title"] == "4:00 PM con Pedro Herná…" and len(rows[0]["title"]) <= 24
    assert rows[0]["description"] == "4:00 PM con Pedro Hernández Ruiz"
    assert len(rows[1]["description"]) == 72
    assert len(interactive["action"]["button"]) <= 20
    assert interactive["header"] == {"type": "text", "text": "Jueves 15 de enero"}


def test_rows_beyond_ten_are_written_in_the_body_where_typing_still_works() -> None:
    rows = [ListRow(id=f"r{i}", title=f"{i}:00 PM") for i in range(12)]
    message = OutboundMessage.model_construct(
        to=TO,
        text="Horarios:",
        buttons=[],
        rows=rows,
        header=None,
        footer=None,
        list_button=None,
        template=None,
        purpose=None,
    )
    interactive = message_payload(message)["interactive"]
    assert len(interactive["action"]["sections"][0]["rows"]) == 10
    assert "• 10:00 PM" in interactive["body"]["text"] and "• 11:00 PM" in interactive["body"]["text"]


def test_a_template_carries_es_mx_body_parameters_and_quick_reply_payloads() -> None:
    call = TemplateCall(
        name="appointment_reminder",
        body_params=["Juan", "Barbería", "mañana", "4:00 PM", "Corte\nde cabello"],
        quick_replies=["confirm:1", "cancel:1", "move:1"],
    )
    payload = template_payload(TO, call)
    template = payload["template"]
    assert template["name"] == "appointment_reminder" and template["language"] == {"code": "es_MX"}
    body, *buttons = template["components"]
    assert [p["text"] for p in body["parameters"]] == ["Juan", "Barbería", "mañana", "4:00 PM", "Corte · de cabello"]
    assert [(b["sub_type"], b["index"], b["parameters"][0]["payload"]) for b in buttons] == [
        ("quick_reply", "0", "confirm:1"),
        ("quick_reply", "1", "cancel:1"),
        ("quick_reply", "2", "move:1"),
    ]


def test_a_message_without_a_template_cannot_be_sent_as_one() -> None:
    with pytest.raises(ValueError):
        message_payload(OutboundMessage(to=TO, text="hola"), as_template=True)


def test_read_receipts_show_the_typing_indicator() -> None:
    assert read_receipt_payload("wamid.1") == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.1",
        "typing_indicator": {"type": "text"},
    }


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        (130429, 400, Disposition.retry),
        (131056, 400, Disposition.retry),
        (4, 400, Disposition.retry),
        (80007, 400, Disposition.retry),
        (131000, 500, Disposition.retry),
        (131016, 503, Disposition.retry),
        (None, 502, Disposition.retry),
        (None, 0, Disposition.retry),
        (131047, 400, Disposition.template),
        (131026, 400, Disposition.permanent),
        (131051, 400, Disposition.permanent),
        (132000, 400, Disposition.permanent),
        (132012, 400, Disposition.permanent),
        (190, 401, Disposition.permanent),
        (368, 400, Disposition.permanent),
        (131031, 400, Disposition.permanent),
        (131042, 400, Disposition.permanent),
        (200, 403, Disposition.permanent),
    ],
)
def test_errors_are_retried_resent_as_template_or_given_up_per_the_reference(code, http_status, expected) -> None:
    assert classify(code, None, http_status) == expected


def test_meta_error_bodies_are_read_into_code_and_reason() -> None:
    error = GraphApiError.from_response(
        400,
        {
            "error": {
                "message": "Message undeliverable",
                "code": 131026,
                "error_data": {"details": "Receiver is incapable"},
            }
        },
    )
    assert (error.code, error.disposition) == (131026, Disposition.permanent)
    assert error.reason() == "131026 Message undeliverable (Receiver is incapable)"


def test_signatures_are_checked_over_the_exact_bytes() -> None:
    body = '{"text":"¿Qué onda?"}'.encode()
    header = sign(body, "secret")
    assert signature_is_valid(body, header, "secret")
    assert not signature_is_valid(body + b" ", header, "secret")
    assert not signature_is_valid(body, header, "other")
    assert not signature_is_valid(body, None, "secret")
    assert not signature_is_valid(body, header.replace("sha256=", "sha1="), "secret")
    assert not signature_is_valid(body, header, None)
