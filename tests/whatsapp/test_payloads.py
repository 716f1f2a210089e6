"""Meta's payloads become inbox events and engine events: every real payload, every message type."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from bot.whatsapp.payloads import NotAWebhook, WaContact, WaMessage, decode_body, person_lane, split_envelope
from bot.whatsapp.translate import EditOf, RevokeOf, to_inbound
from flows.core.events import InboundEvent
from tests.whatsapp.support import corpus

ORG = uuid.uuid4()
NOW = datetime(2026, 1, 14, 18, 0, tzinfo=timezone.utc)

EXPECTED_KIND = {
    "account_update": "account_update",
    "message_echoes": "echo",
    "message_status": "status",
}
# What the engine sees for each message case: (kind, media_type, text, reply_id).
EXPECTED_INBOUND = {
    "callback_button/button": ("reply", None, None, "callback_data"),
    "callback_button/quick_reply": ("reply", None, None, "callback_data"),
    "callback_button/quick_reply_without_context": ("reply", None, None, "callback_data"),
    "callback_selection/callback": ("reply", None, None, "callback_data"),
    "callback_selection/description": ("reply", None, None, "callback_data"),
    "message/text": ("text", None, "Body Text", None),
    "message/image": ("media", "image", None, None),
    "message/media_with_url": ("media", "image", None, None),
    "message/video": ("media", "video", "caption", None),
    "message/document": ("media", "document", "caption", None),
    "message/audio": ("media", "audio", None, None),
    "message/voice": ("media", "voice", None, None),
    "message/static_sticker": ("media", "sticker", None, None),
    "message/animated_sticker": ("media", "sticker", None, None),
    "message/reaction": ("reaction", None, "😮", None),
    "message/unreaction_empty": ("reaction", None, None, None),
    "message/unreaction_no_emoji": ("reaction", None, None, None),
    "message/current_location": ("location", None, None, None),
    "message/chosen_location": ("location", None, "Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025", None),
    "message/contacts": (
        "contacts",
        None,
        "Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; Rachel Green +1 777-777-7777",
        None,
    ),
    "message/order": ("unsupported", "order", None, None),
    "message/unsupported": ("unsupported", "unsupported", None, None),
    "message/unsupported_with_type": ("unsupported", "unsupported", None, None),
    "message/reply": ("text", None, "replied text", None),
    "message/forwarded": ("text", None, "forwarded text", None),
    "message/forwarded_many_times": ("text", None, "text forwarded many times", None),
    "message/interactive_message_with_err": ("unsupported", "interactive", None, None),
    "message/referral": ("text", None, "BODY", None),
}


def _inbound(name: str, payload: dict) -> InboundEvent | EditOf | RevokeOf:
    event = split_envelope(payload)[0]
    contact = WaContact.model_validate(event.payload["contact"]) if event.payload.get("contact") else None
    return to_inbound(WaMessage.model_validate(event.payload["message"]), contact, ORG, NOW)


@pytest.mark.parametrize("name", sorted(corpus()))
def test_every_real_payload_splits_into_keyed_events_of_the_right_kind(name: str) -> None:
    events = split_envelope(corpus()[name])
    event, *others = events
    assert [other.kind for other in others] == (["error"] if name == "message/interactive_message_with_err" else [])
    expected = EXPECTED_KIND.get(name.split("/")[0], "message")
    assert event.kind == expected
    assert event.event_key and len(event.event_key) <= 300
    if expected in ("message", "echo", "status"):
        assert event.sender, "messages, echoes and statuses belong to a person's lane"
        assert event.wa_timestamp is not None


@pytest.mark.parametrize("name", sorted(EXPECTED_INBOUND))
def test_every_message_type_reaches_the_engine_as_a_channel_neutral_event(name: str) -> None:
    event = _inbound(name, corpus()[name])
    assert isinstance(event, InboundEvent)
    kind, media_type, text, reply_id = EXPECTED_INBOUND[name]
    assert (event.kind, event.media_type, event.text, event.reply_id) == (kind, media_type, text, reply_id)
    assert event.organization_id == ORG
    assert event.timestamp.year == 2023


def test_every_message_case_of_the_corpus_is_covered_by_an_expectation() -> None:
    message_cases = {name for name, payload in corpus().items() if split_envelope(payload)[0].kind == "message"}
    assert message_cases - set(EXPECTED_INBOUND) == {"edited_and_revoked/edit_text", "edited_and_revoked/revoke"}


def test_an_edit_carries_the_edited_text_and_the_original_id() -> None:
    edit = _inbound("edit", corpus()["edited_and_revoked/edit_text"])
    assert isinstance(edit, EditOf)
    assert edit.original_message_id == "wamid.zzzzzz"
    assert (edit.event.kind, edit.event.text, edit.event.message_id) == ("text", "Text was edited", "wamid.yyyyyy")


def test_a_revoke_names_the_deleted_message() -> None:
    revoke = _inbound("revoke", corpus()["edited_and_revoked/revoke"])
    assert isinstance(revoke, RevokeOf)
    assert revoke.original_message_id == "<ORIGINAL_WHATSAPP_MESSAGE_ID>"


def test_the_sender_keeps_the_raw_wa_id_and_gets_a_canonical_phone_and_bsuid() -> None:
    event = _inbound("text", corpus()["message/text"])
    assert event.wa_id == "972987654321"  # replies go to exactly this id
    assert event.phone == "+972987654321"
    assert event.bsuid == "US.13491208655302741918"
    assert event.profile_name == "Test Name"


def test_a_template_quick_reply_without_contacts_still_has_the_bsuid() -> None:
    event = _inbound("q", corpus()["callback_button/quick_reply_without_context"])
    assert event.bsuid == "US.13491208655302741918"
    assert (event.reply_id, event.reply_title) == ("callback_data", "title")


def test_a_mexican_mobile_and_its_echo_variant_share_one_lane() -> None:
    assert person_lane("5215598765432", None) == person_lane("525598765432", None) == "+525598765432"


def test_a_user_without_a_phone_number_is_laned_by_bsuid() -> None:
    assert person_lane(None, "US.134912") == "bsuid:US.134912"
    assert person_lane("<WHATSAPP_USER_PHONE_NUMBER>", "US.1") == "bsuid:US.1"


def test_statuses_of_one_message_have_one_key_per_state() -> None:
    keys = {split_envelope(corpus()[f"message_status/{state}"])[0].event_key for state in ("sent", "delivered", "read")}
    assert keys == {"status:wamid.xyzxyz:sent", "status:wamid.xyzxyz:delivered", "status:wamid.xyzxyz:read"}


@pytest.mark.parametrize(
    "document",
    [
        [],
        "text",
        42,
        None,
        {"object": "page"},
        {"object": "whatsapp_business_account", "entry": "x"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [1, "x", None]}}]}],
        },
    ],
)
def test_anything_else_becomes_stored_events_instead_of_an_exception(document: object) -> None:
    events = split_envelope(document)
    assert events and all(event.event_key for event in events)


def test_bodies_that_are_not_json_are_refused() -> None:
    for body in (b"\xff\xfe", b"{", b"", b"not json"):
        with pytest.raises(NotAWebhook):
            decode_body(body)


def test_values_json_columns_cannot_hold_are_kept_as_their_text() -> None:
    document = decode_body(b'{"a": 1e999999, "b": -1e999999, "c": NaN, "d": Infinity, "e": 1.5, "f": ' + b"9" * 5000 + b"}")
    assert document["a"] == "1e999999" and document["b"] == "-1e999999"
    assert (document["c"], document["d"], document["e"]) == ("NaN", "Infinity", 1.5)
    assert document["f"] == "9" * 5000  # Python itself refuses to read an int this long


def test_a_document_nested_deeper_than_any_webhook_is_kept_as_an_excerpt() -> None:
    for body in (b"[" * 100 + b"]" * 100, b"[" * 100_000 + b"]" * 100_000):
        document = decode_body(body)
        assert document["unreadable"] == "nested too deeply" and document["excerpt"].startswith("[[[")
        assert len(document["excerpt"]) <= 64 * 1024


def test_text_postgres_cannot_store_is_cleaned_not_refused() -> None:
    assert decode_body(b'{"a": "x\\u0000y", "\\ud800": "\\udfff"}') == {"a": "xy", "?": "?"}
