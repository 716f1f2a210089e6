"""The staff member's conversation: their day, their time, and their customers, by chat.

Staff are recognised by the phone they write from, never by what they say; owners run this
machine too for everything but administration (`owner_flow.py`). A block that would cancel
appointments and a no-show are asked first (yes/no); marking an appointment completed is done at
once. A walk-in is booked now with the staff member, or at their next free time today after a
yes. Errands on a customer's behalf (history, a message, book, cancel, move) first find who
(`asking_customer` → `customer_identified`), then follow the customer's own steps; the customer
is told what was done. Outcome states (`blocked`, `walk_in_registered`, `booked_for_customer`…)
act, say so, and move on by themselves.
"""

from __future__ import annotations

from statemachine import State, StateMachine


class StaffFlow(StateMachine):
    """A staff member runs their day by chat: agenda, blocks, no-shows, walk-ins, customers' appointments."""

    # Nothing pending: Yume answers and waits for a request.
    ready = State(initial=True)
    # Blocking time: which hours → (if appointments are in the way) yes or no → blocked.
    asking_block_hours = State()
    confirming_block = State()
    blocked = State()
    # How an appointment went: which one → a no-show is confirmed first, then the customer may get a message.
    choosing_no_show = State()
    confirming_no_show = State()
    marked_no_show = State()
    offering_to_message = State()
    choosing_completed = State()
    # A walk-in: service → phone (optional) → name → registered now, or at the next free time today.
    choosing_walk_in_service = State()
    asking_walk_in_phone = State()
    asking_walk_in_name = State()
    walk_in_registered = State()
    offering_later_walk_in = State()
    # On a customer's behalf: who first, then the errand.
    asking_customer = State()
    customer_identified = State()
    asking_message = State()
    choosing_service_for_customer = State()
    choosing_day_for_customer = State()
    choosing_slot_for_customer = State()
    booked_for_customer = State()
    choosing_customer_appointment = State()
    confirming_customer_cancel = State()
    cancelled_for_customer = State()
    moved_for_customer = State()

    # --- at rest ----------------------------------------------------------------------------
    greeted = ready.to.itself(internal=True, on="greet")
    thanked = ready.to.itself(internal=True, on="say_you_are_welcome")
    asked_schedule = ready.to.itself(internal=True, on="show_my_schedule")
    asked_business_schedule = (
        ready.to.itself(internal=True, cond="may_see_business_schedule", on="show_business_schedule")
        | ready.to.itself(internal=True, on="say_not_allowed")
    )
    # «ver mi semana»: a link to the week page (what they may see: everyone's, or only theirs).
    asked_week_page = ready.to.itself(internal=True, on="send_week_page")
    # The owner says "listo" after talking to a customer: Yume takes that chat back.
    finished_with_customer = ready.to.itself(internal=True, on="hand_back_customer")

    # --- blocking time ------------------------------------------------------------------------
    wants_to_block = (
        ready.to(asking_block_hours, unless="knows_block_hours")
        | ready.to(confirming_block, cond="block_collides")
        | ready.to(blocked)
    )
    gave_block_hours = (
        asking_block_hours.to.itself(unless="knows_block_hours")
        | asking_block_hours.to(confirming_block, cond="block_collides")
        | asking_block_hours.to(blocked)
    )
    blocked.to(ready)

    # --- no-shows and finished appointments ("el de las 11 no llegó", "ya terminé con el de las 12") --
    wants_no_show = (
        ready.to.itself(internal=True, unless="has_appointments_to_mark", on="say_nothing_to_mark")
        | ready.to(choosing_no_show, unless="knows_appointment_to_mark")
        | ready.to(confirming_no_show)
    )
    wants_completed = (
        ready.to.itself(internal=True, unless="has_appointments_to_mark", on="say_nothing_to_mark")
        | ready.to(choosing_completed, unless="knows_appointment_to_mark")
        | ready.to.itself(internal=True, on="mark_completed")
    )
    marked_no_show.to(offering_to_message, cond="may_message_no_show")
    marked_no_show.to(ready)

    # --- walk-ins ---------------------------------------------------------------------------------
    wants_walk_in = ready.to(choosing_walk_in_service, unless="knows_walk_in_service") | ready.to(asking_walk_in_phone)
    gave_phone = (
        asking_walk_in_phone.to(asking_walk_in_name, unless="knows_walk_in_name")
        | asking_walk_in_phone.to(walk_in_registered)
    )
    has_no_phone = asking_walk_in_phone.to(asking_walk_in_name)
    gave_name = asking_walk_in_name.to(walk_in_registered)
    # Busy right now: the next free time today is offered (a yes registers it there).
    walk_in_registered.to(offering_later_walk_in, cond="walk_in_waits")
    walk_in_registered.to(ready)

    # --- on a customer's behalf: who first ------------------------------------------------------
    wants_history = (
        ready.to.itself(internal=True, unless="may_view_history", on="say_not_allowed")
        | ready.to(asking_customer, unless="knows_customer")
        | ready.to(customer_identified)
    )
    wants_to_message = (
        ready.to.itself(internal=True, unless="may_message_customers", on="say_not_allowed")
        | ready.to(asking_customer, unless="knows_customer")
        | ready.to(customer_identified)
    )
    wants_to_book = (
        ready.to.itself(internal=True, unless="may_manage_appointments", on="say_not_allowed")
        | ready.to(asking_customer, unless="knows_customer")
        | ready.to(customer_identified)
    )
    wants_to_cancel = (
        ready.to.itself(internal=True, unless="may_manage_appointments", on="say_not_allowed")
        | ready.to(asking_customer, unless="knows_customer")
        | ready.to(customer_identified)
    )
    wants_to_reschedule = (
        ready.to.itself(internal=True, unless="may_manage_appointments", on="say_not_allowed")
        | ready.to(asking_customer, unless="knows_customer")
        | ready.to(customer_identified)
    )
    gave_customer = asking_customer.to.itself(unless="knows_customer") | asking_customer.to(customer_identified)
    # We know who: the errand's first missing piece.
    customer_identified.to(ready, cond="for_history", on="show_history")
    customer_identified.to(asking_message, cond="for_message", unless="knows_message")
    customer_identified.to(ready, cond="for_message", on="send_message")
    customer_identified.to(choosing_service_for_customer, cond="for_booking", unless="knows_service")
    customer_identified.to(choosing_day_for_customer, cond="for_booking", unless="day_has_openings")
    customer_identified.to(choosing_slot_for_customer, cond="for_booking", unless="picked_free_time")
    customer_identified.to(booked_for_customer, cond="for_booking")
    customer_identified.to(ready, unless="customer_has_appointments", on="say_customer_has_none")
    customer_identified.to(choosing_customer_appointment, unless="knows_customer_appointment")
    customer_identified.to(confirming_customer_cancel, cond="for_cancel")
    customer_identified.to(choosing_day_for_customer, unless="day_has_openings")
    customer_identified.to(choosing_slot_for_customer, unless="picked_free_time")
    customer_identified.to(moved_for_customer)
    gave_message = asking_message.to(ready, on="send_message")

    # --- booking and moving for a customer: service → day → time ----------------------------------
    picked_day = (
        choosing_day_for_customer.to.itself(unless="day_has_openings")
        | choosing_day_for_customer.to(choosing_slot_for_customer, unless="picked_free_time")
        | choosing_day_for_customer.to(moved_for_customer, cond="for_move")
        | choosing_day_for_customer.to(booked_for_customer)
    )
    picked_slot = (
        choosing_slot_for_customer.to(choosing_day_for_customer, unless="day_has_openings")
        | choosing_slot_for_customer.to.itself(unless="picked_free_time")
        | choosing_slot_for_customer.to(moved_for_customer, cond="for_move")
        | choosing_slot_for_customer.to(booked_for_customer)
    )
    # Someone else took the time a moment ago: offer what is left.
    booked_for_customer.to(choosing_slot_for_customer, cond="lost_the_slot")
    booked_for_customer.to(ready)
    moved_for_customer.to(choosing_slot_for_customer, cond="lost_the_slot")
    moved_for_customer.to(ready)
    cancelled_for_customer.to(ready)

    # --- answers shared by several steps ----------------------------------------------------------
    picked_service = (
        choosing_walk_in_service.to.itself(unless="knows_walk_in_service")
        | choosing_walk_in_service.to(asking_walk_in_phone)
        | choosing_service_for_customer.to(choosing_day_for_customer, unless="day_has_openings")
        | choosing_service_for_customer.to(choosing_slot_for_customer, unless="picked_free_time")
        | choosing_service_for_customer.to(booked_for_customer)
    )
    picked_appointment = (
        choosing_no_show.to(confirming_no_show)
        | choosing_completed.to(ready, on="mark_completed")
        | choosing_customer_appointment.to(confirming_customer_cancel, cond="for_cancel")
        | choosing_customer_appointment.to(choosing_day_for_customer, unless="day_has_openings")
        | choosing_customer_appointment.to(choosing_slot_for_customer, unless="picked_free_time")
        | choosing_customer_appointment.to(moved_for_customer)
    )
    confirmed = (
        confirming_block.to(blocked)
        | confirming_no_show.to(marked_no_show)
        | offering_to_message.to(ready, on="message_no_show")
        | offering_later_walk_in.to(walk_in_registered)
        | confirming_customer_cancel.to(cancelled_for_customer)
    )
    declined = (
        confirming_block.to(ready, on="say_block_not_made")
        | confirming_no_show.to(ready, on="say_not_marked")
        | offering_to_message.to(ready, on="say_not_messaged")
        | offering_later_walk_in.to(ready, on="say_walk_in_not_registered")
        | confirming_customer_cancel.to(ready, on="say_appointment_kept")
    )

    # --- repair, in every step that collects something ----------------------------------------
    # "olvídalo" (or a new request, heard again at rest): drop what we were doing.
    gave_up = ready.from_(
        asking_block_hours, confirming_block, choosing_no_show, confirming_no_show, offering_to_message,
        choosing_completed, choosing_walk_in_service, asking_walk_in_phone, asking_walk_in_name,
        offering_later_walk_in, asking_customer, asking_message, choosing_service_for_customer,
        choosing_day_for_customer, choosing_slot_for_customer, choosing_customer_appointment,
        confirming_customer_cancel,
    )
    # "hola", "gracias" in the middle: answered, and the question asked again.
    digressed = (
        asking_block_hours.to.itself(internal=True)
        | confirming_block.to.itself(internal=True)
        | choosing_no_show.to.itself(internal=True)
        | confirming_no_show.to.itself(internal=True)
        | offering_to_message.to.itself(internal=True)
        | choosing_completed.to.itself(internal=True)
        | choosing_walk_in_service.to.itself(internal=True)
        | asking_walk_in_phone.to.itself(internal=True)
        | asking_walk_in_name.to.itself(internal=True)
        | offering_later_walk_in.to.itself(internal=True)
        | asking_customer.to.itself(internal=True)
        | asking_message.to.itself(internal=True)
        | choosing_service_for_customer.to.itself(internal=True)
        | choosing_day_for_customer.to.itself(internal=True)
        | choosing_slot_for_customer.to.itself(internal=True)
        | choosing_customer_appointment.to.itself(internal=True)
        | confirming_customer_cancel.to.itself(internal=True)
    )
    # Not understood: help once; the second time in a row, drop it and show what we can do.
    was_not_understood = (
        ready.to.itself(internal=True, on="show_help")
        | asking_block_hours.to(ready, cond="already_helped", on="show_help")
        | asking_block_hours.to.itself(internal=True, on="help_and_reask")
        | confirming_block.to(ready, cond="already_helped", on="show_help")
        | confirming_block.to.itself(internal=True, on="help_and_reask")
        | choosing_no_show.to(ready, cond="already_helped", on="show_help")
        | choosing_no_show.to.itself(internal=True, on="help_and_reask")
        | confirming_no_show.to(ready, cond="already_helped", on="show_help")
        | confirming_no_show.to.itself(internal=True, on="help_and_reask")
        | offering_to_message.to(ready, cond="already_helped", on="show_help")
        | offering_to_message.to.itself(internal=True, on="help_and_reask")
        | choosing_completed.to(ready, cond="already_helped", on="show_help")
        | choosing_completed.to.itself(internal=True, on="help_and_reask")
        | choosing_walk_in_service.to(ready, cond="already_helped", on="show_help")
        | choosing_walk_in_service.to.itself(internal=True, on="help_and_reask")
        | asking_walk_in_phone.to(ready, cond="already_helped", on="show_help")
        | asking_walk_in_phone.to.itself(internal=True, on="help_and_reask")
        | asking_walk_in_name.to(ready, cond="already_helped", on="show_help")
        | asking_walk_in_name.to.itself(internal=True, on="help_and_reask")
        | offering_later_walk_in.to(ready, cond="already_helped", on="show_help")
        | offering_later_walk_in.to.itself(internal=True, on="help_and_reask")
        | asking_customer.to(ready, cond="already_helped", on="show_help")
        | asking_customer.to.itself(internal=True, on="help_and_reask")
        | asking_message.to(ready, cond="already_helped", on="show_help")
        | asking_message.to.itself(internal=True, on="help_and_reask")
        | choosing_service_for_customer.to(ready, cond="already_helped", on="show_help")
        | choosing_service_for_customer.to.itself(internal=True, on="help_and_reask")
        | choosing_day_for_customer.to(ready, cond="already_helped", on="show_help")
        | choosing_day_for_customer.to.itself(internal=True, on="help_and_reask")
        | choosing_slot_for_customer.to(ready, cond="already_helped", on="show_help")
        | choosing_slot_for_customer.to.itself(internal=True, on="help_and_reask")
        | choosing_customer_appointment.to(ready, cond="already_helped", on="show_help")
        | choosing_customer_appointment.to.itself(internal=True, on="help_and_reask")
        | confirming_customer_cancel.to(ready, cond="already_helped", on="show_help")
        | confirming_customer_cancel.to.itself(internal=True, on="help_and_reask")
    )
