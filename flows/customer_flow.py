"""The customer's conversation, as a diagram a product reviewer can read top to bottom.

States are where the chat stands; events are what the customer did; guards are facts checked on
the model (`flows/customer_chat.py`), which also says what each state asks. Choosing a time is
the confirmation: once service, time and (for a new customer) a name are known, the booking is
made in the same message. `booked`, `moved`, `cancelled` and `handed_off` are outcomes: Yume
acts, says so, and the chat is back at rest. A step that goes to itself asks its question again
(a closed day, a taken time); an internal one (`internal=True`) answers without asking again.
"""

from __future__ import annotations

from statemachine import State, StateMachine


class CustomerFlow(StateMachine):
    """A customer books, reschedules or cancels an appointment and asks about the business."""

    # Nothing pending: Yume answers questions and waits for a request.
    chatting = State(initial=True)
    # Booking: service → day → time → name.
    choosing_service = State()
    choosing_day = State()
    choosing_slot = State()
    asking_name = State()
    booked = State()
    # Asked to book while already having an appointment: another one, or change that one?
    deciding_another_or_change = State()
    # Rescheduling: which appointment → new day → new time.
    choosing_appointment_to_move = State()
    choosing_new_day = State()
    choosing_new_slot = State()
    moved = State()
    # Cancelling: which appointment → yes or no.
    choosing_appointment_to_cancel = State()
    confirming_cancel = State()
    cancelled = State()
    # A person takes over; Yume stays silent with this customer until handed back.
    handed_off = State()

    # --- at rest ----------------------------------------------------------------------------
    greeted = chatting.to.itself(internal=True, on="greet")
    thanked = chatting.to.itself(internal=True, on="say_you_are_welcome")
    asked_question = chatting.to.itself(internal=True, on="answer_question")
    needs_the_owner = chatting.to.itself(internal=True, on="forward_to_owner")

    # --- booking: each answer leads to the first thing still missing ------------------------
    wants_to_book = (
        chatting.to(deciding_another_or_change, cond="has_upcoming_appointment")
        | chatting.to(choosing_service, unless="knows_service")
        | chatting.to(choosing_day, unless="day_has_openings")
        | chatting.to(choosing_slot, unless="picked_free_time")
        | chatting.to(asking_name, unless="knows_name")
        | chatting.to(booked)
    )
    picked_service = (
        choosing_service.to(choosing_day, unless="day_has_openings")
        | choosing_service.to(choosing_slot, unless="picked_free_time")
        | choosing_service.to(asking_name, unless="knows_name")
        | choosing_service.to(booked)
    )
    picked_day = (
        choosing_day.to.itself(unless="day_has_openings")
        | choosing_day.to(choosing_slot, unless="picked_free_time")
        | choosing_day.to(asking_name, unless="knows_name")
        | choosing_day.to(booked)
        | choosing_new_day.to.itself(unless="day_has_openings")
        | choosing_new_day.to(choosing_new_slot, unless="picked_free_time")
        | choosing_new_day.to(moved)
    )
    picked_slot = (
        choosing_slot.to(choosing_day, unless="day_has_openings")
        | choosing_slot.to.itself(unless="picked_free_time")
        | choosing_slot.to(asking_name, unless="knows_name")
        | choosing_slot.to(booked)
        | asking_name.to(choosing_day, unless="day_has_openings")
        | asking_name.to(choosing_slot, unless="picked_free_time")
        | asking_name.to.itself()
        | choosing_new_slot.to(choosing_new_day, unless="day_has_openings")
        | choosing_new_slot.to.itself(unless="picked_free_time")
        | choosing_new_slot.to(moved)
    )
    gave_name = asking_name.to(choosing_slot, unless="picked_free_time") | asking_name.to(booked)
    corrected_day = (
        choosing_slot.to(choosing_day, unless="day_has_openings")
        | choosing_slot.to.itself()
        | choosing_new_slot.to(choosing_new_day, unless="day_has_openings")
        | choosing_new_slot.to.itself()
    )
    corrected_service = (
        choosing_day.to.itself()
        | choosing_slot.to(choosing_day, unless="day_has_openings")
        | choosing_slot.to.itself()
    )
    # Someone else took the time a moment ago (another process): offer what is left.
    booked.to(choosing_slot, cond="lost_the_slot")
    booked.to(chatting)

    # --- already has an appointment ---------------------------------------------------------
    chose_another = (
        deciding_another_or_change.to(choosing_service, unless="knows_service")
        | deciding_another_or_change.to(choosing_day, unless="day_has_openings")
        | deciding_another_or_change.to(choosing_slot, unless="picked_free_time")
        | deciding_another_or_change.to(asking_name, unless="knows_name")
        | deciding_another_or_change.to(booked)
    )
    chose_to_move = (
        deciding_another_or_change.to(choosing_new_day, unless="day_has_openings")
        | deciding_another_or_change.to(choosing_new_slot, unless="picked_free_time")
        | deciding_another_or_change.to(moved)
    )
    chose_to_cancel = deciding_another_or_change.to(confirming_cancel)

    # --- rescheduling: the same appointment moves -------------------------------------------
    wants_to_reschedule = (
        chatting.to.itself(internal=True, unless="has_upcoming_appointment", on="say_no_appointments")
        | chatting.to(choosing_appointment_to_move, unless="knows_which_appointment")
        | chatting.to(choosing_new_day, unless="day_has_openings")
        | chatting.to(choosing_new_slot, unless="picked_free_time")
        | chatting.to(moved)
    )
    picked_appointment = (
        choosing_appointment_to_move.to(choosing_new_day, unless="day_has_openings")
        | choosing_appointment_to_move.to(choosing_new_slot, unless="picked_free_time")
        | choosing_appointment_to_move.to(moved)
        | choosing_appointment_to_cancel.to(confirming_cancel)
    )
    moved.to(choosing_new_slot, cond="lost_the_slot")
    moved.to(chatting)

    # --- cancelling: always asked yes/no first ---------------------------------------------
    wants_to_cancel = (
        chatting.to.itself(internal=True, unless="has_upcoming_appointment", on="say_no_appointments")
        | chatting.to(choosing_appointment_to_cancel, unless="knows_which_appointment")
        | chatting.to(confirming_cancel)
    )
    confirmed = confirming_cancel.to(cancelled)
    declined = confirming_cancel.to(chatting, on="say_appointment_kept")
    cancelled.to(chatting)

    # --- repair, in every step that collects something ------------------------------------
    # "olvídalo", "ya no": drop what we were doing.
    gave_up = chatting.from_(
        choosing_service, choosing_day, choosing_slot, asking_name, deciding_another_or_change,
        choosing_appointment_to_move, choosing_new_day, choosing_new_slot,
        choosing_appointment_to_cancel, confirming_cancel,
    )
    # "¿cuánto cuesta?" while choosing a time: answer, then ask the same question again.
    digressed = (
        choosing_service.to.itself(internal=True)
        | choosing_day.to.itself(internal=True)
        | choosing_slot.to.itself(internal=True)
        | asking_name.to.itself(internal=True)
        | deciding_another_or_change.to.itself(internal=True)
        | choosing_appointment_to_move.to.itself(internal=True)
        | choosing_new_day.to.itself(internal=True)
        | choosing_new_slot.to.itself(internal=True)
        | choosing_appointment_to_cancel.to.itself(internal=True)
        | confirming_cancel.to.itself(internal=True)
    )
    # Not understood: ask again once with help; the second time in a row, a person takes over.
    was_not_understood = (
        chatting.to(handed_off, cond="already_helped")
        | chatting.to.itself(internal=True, on="help_and_reask")
        | choosing_service.to(handed_off, cond="already_helped")
        | choosing_service.to.itself(internal=True, on="help_and_reask")
        | choosing_day.to(handed_off, cond="already_helped")
        | choosing_day.to.itself(internal=True, on="help_and_reask")
        | choosing_slot.to(handed_off, cond="already_helped")
        | choosing_slot.to.itself(internal=True, on="help_and_reask")
        | asking_name.to(handed_off, cond="already_helped")
        | asking_name.to.itself(internal=True, on="help_and_reask")
        | deciding_another_or_change.to(handed_off, cond="already_helped")
        | deciding_another_or_change.to.itself(internal=True, on="help_and_reask")
        | choosing_appointment_to_move.to(handed_off, cond="already_helped")
        | choosing_appointment_to_move.to.itself(internal=True, on="help_and_reask")
        | choosing_new_day.to(handed_off, cond="already_helped")
        | choosing_new_day.to.itself(internal=True, on="help_and_reask")
        | choosing_new_slot.to(handed_off, cond="already_helped")
        | choosing_new_slot.to.itself(internal=True, on="help_and_reask")
        | choosing_appointment_to_cancel.to(handed_off, cond="already_helped")
        | choosing_appointment_to_cancel.to.itself(internal=True, on="help_and_reask")
        | confirming_cancel.to(handed_off, cond="already_helped")
        | confirming_cancel.to.itself(internal=True, on="help_and_reask")
    )
    # "quiero hablar con alguien": a person takes over, from anywhere.
    asked_for_person = handed_off.from_(
        chatting, choosing_service, choosing_day, choosing_slot, asking_name, deciding_another_or_change,
        choosing_appointment_to_move, choosing_new_day, choosing_new_slot,
        choosing_appointment_to_cancel, confirming_cancel,
    )
    handed_off.to(chatting)
