"""The owner's administration, as a diagram: staff, opening hours, services and prices, stats.

An owner's chat runs two machines (`owner_chat.py`): this one for administration, and
`StaffFlow` for everything an owner does like any staff member (agenda, blocks, no-shows,
walk-ins, customers' appointments). Both start at `ready`; a request at rest goes to the machine
that has it. Decisions a salon owner would expect:
- adding someone is confirmed first, then a welcome message to their WhatsApp is offered;
- removing someone is refused while they have appointments ahead (listed, to move or cancel
  first), so no customer keeps an appointment with someone who no longer works there; otherwise
  a yes removes them (their history stays);
- new opening hours are confirmed first; appointments already booked that now fall outside
  them are listed, never cancelled (the owner decides what to do with each);
- a new service is confirmed first; a price or duration change is made at once (booked
  appointments keep the price they were booked at).
"""

from __future__ import annotations

from statemachine import State, StateMachine


class OwnerFlow(StateMachine):
    """The owner runs the business by chat: staff, hours, services, prices, stats (the rest of their chat runs on StaffFlow)."""

    # Nothing pending (shared with StaffFlow: the owner's other requests run there).
    ready = State(initial=True)
    # Adding someone: name → WhatsApp number → services → yes → a welcome message, if wanted.
    asking_staff_name = State()
    asking_staff_phone = State()
    choosing_staff_services = State()
    confirming_new_staff = State()
    staff_added = State()
    offering_welcome = State()
    # Removing someone: who → yes (refused while they have appointments ahead).
    choosing_staff_to_remove = State()
    confirming_removal = State()
    # Opening hours: which days, which hours → yes → saved (appointments now outside are listed).
    asking_new_hours = State()
    confirming_hours = State()
    # A new service: name → price → duration → yes.
    asking_service_name = State()
    asking_service_price = State()
    asking_service_minutes = State()
    confirming_new_service = State()
    # Changing a service: which → the new price or duration (done at once).
    choosing_service_to_change = State()
    asking_service_change = State()

    # --- at rest ----------------------------------------------------------------------------
    asked_stats = ready.to.itself(internal=True, on="show_stats")

    # --- adding someone -----------------------------------------------------------------------
    wants_to_add_staff = (
        ready.to(asking_staff_name, unless="knows_staff_name")
        | ready.to(asking_staff_phone, unless="knows_staff_phone")
        | ready.to(choosing_staff_services, unless="knows_staff_services")
        | ready.to(confirming_new_staff)
    )
    gave_staff_name = (
        asking_staff_name.to(asking_staff_phone, unless="knows_staff_phone")
        | asking_staff_name.to(choosing_staff_services, unless="knows_staff_services")
        | asking_staff_name.to(confirming_new_staff)
    )
    gave_staff_phone = (
        asking_staff_phone.to.itself(unless="knows_staff_phone")
        | asking_staff_phone.to(choosing_staff_services, unless="knows_staff_services")
        | asking_staff_phone.to(confirming_new_staff)
    )
    picked_services = choosing_staff_services.to(confirming_new_staff)
    staff_added.to(offering_welcome, cond="new_staff_saved")
    staff_added.to(ready)

    # --- removing someone -------------------------------------------------------------------------
    wants_to_remove_staff = (
        ready.to(choosing_staff_to_remove, unless="knows_staff_to_remove")
        | ready.to.itself(internal=True, cond="staff_has_appointments_ahead", on="refuse_removal")
        | ready.to(confirming_removal)
    )
    picked_staff = (
        choosing_staff_to_remove.to.itself(unless="knows_staff_to_remove")
        | choosing_staff_to_remove.to(ready, cond="staff_has_appointments_ahead", on="refuse_removal")
        | choosing_staff_to_remove.to(confirming_removal)
    )

    # --- opening hours ------------------------------------------------------------------------------
    wants_to_set_hours = (
        ready.to.itself(internal=True, cond="asks_for_one_day", on="say_hours_are_weekly")
        | ready.to(asking_new_hours, unless="knows_new_hours")
        | ready.to(confirming_hours)
    )
    gave_hours = asking_new_hours.to.itself(unless="knows_new_hours") | asking_new_hours.to(confirming_hours)

    # --- a new service ------------------------------------------------------------------------------
    wants_to_add_service = (
        ready.to(asking_service_name, unless="knows_new_service_name")
        | ready.to(asking_service_price, unless="knows_new_service_price")
        | ready.to(asking_service_minutes, unless="knows_new_service_minutes")
        | ready.to(confirming_new_service)
    )
    gave_service_name = (
        asking_service_name.to.itself(unless="knows_new_service_name")
        | asking_service_name.to(asking_service_price, unless="knows_new_service_price")
        | asking_service_name.to(asking_service_minutes, unless="knows_new_service_minutes")
        | asking_service_name.to(confirming_new_service)
    )
    gave_price = (
        asking_service_price.to(asking_service_minutes, unless="knows_new_service_minutes")
        | asking_service_price.to(confirming_new_service)
    )
    gave_minutes = asking_service_minutes.to(confirming_new_service)

    # --- changing a service's price or duration ---------------------------------------------------
    wants_to_change_service = (
        ready.to(choosing_service_to_change, unless="knows_service_to_change")
        | ready.to(asking_service_change, unless="knows_service_change")
        | ready.to.itself(internal=True, on="change_service")
    )
    picked_service = (
        choosing_service_to_change.to(asking_service_change, unless="knows_service_change")
        | choosing_service_to_change.to(ready, on="change_service")
    )
    gave_service_change = asking_service_change.to(ready, on="change_service")

    # --- yes or no ----------------------------------------------------------------------------------
    confirmed = (
        confirming_new_staff.to(staff_added)
        | offering_welcome.to(ready, on="send_welcome")
        | confirming_removal.to(ready, on="remove_staff")
        | confirming_hours.to(ready, on="save_hours")
        | confirming_new_service.to(ready, on="add_service")
    )
    declined = (
        confirming_new_staff.to(ready, on="say_staff_not_added")
        | offering_welcome.to(ready, on="say_no_welcome")
        | confirming_removal.to(ready, on="say_staff_kept")
        | confirming_hours.to(ready, on="say_hours_kept")
        | confirming_new_service.to(ready, on="say_service_not_added")
    )

    # --- repair, in every step that collects something ----------------------------------------
    gave_up = ready.from_(
        asking_staff_name, asking_staff_phone, choosing_staff_services, confirming_new_staff, offering_welcome,
        choosing_staff_to_remove, confirming_removal, asking_new_hours, confirming_hours, asking_service_name,
        asking_service_price, asking_service_minutes, confirming_new_service, choosing_service_to_change,
        asking_service_change,
    )
    digressed = (
        asking_staff_name.to.itself(internal=True)
        | asking_staff_phone.to.itself(internal=True)
        | choosing_staff_services.to.itself(internal=True)
        | confirming_new_staff.to.itself(internal=True)
        | offering_welcome.to.itself(internal=True)
        | choosing_staff_to_remove.to.itself(internal=True)
        | confirming_removal.to.itself(internal=True)
        | asking_new_hours.to.itself(internal=True)
        | confirming_hours.to.itself(internal=True)
        | asking_service_name.to.itself(internal=True)
        | asking_service_price.to.itself(internal=True)
        | asking_service_minutes.to.itself(internal=True)
        | confirming_new_service.to.itself(internal=True)
        | choosing_service_to_change.to.itself(internal=True)
        | asking_service_change.to.itself(internal=True)
    )
    was_not_understood = (
        asking_staff_name.to(ready, cond="already_helped", on="show_help")
        | asking_staff_name.to.itself(internal=True, on="help_and_reask")
        | asking_staff_phone.to(ready, cond="already_helped", on="show_help")
        | asking_staff_phone.to.itself(internal=True, on="help_and_reask")
        | choosing_staff_services.to(ready, cond="already_helped", on="show_help")
        | choosing_staff_services.to.itself(internal=True, on="help_and_reask")
        | confirming_new_staff.to(ready, cond="already_helped", on="show_help")
        | confirming_new_staff.to.itself(internal=True, on="help_and_reask")
        | offering_welcome.to(ready, cond="already_helped", on="show_help")
        | offering_welcome.to.itself(internal=True, on="help_and_reask")
        | choosing_staff_to_remove.to(ready, cond="already_helped", on="show_help")
        | choosing_staff_to_remove.to.itself(internal=True, on="help_and_reask")
        | confirming_removal.to(ready, cond="already_helped", on="show_help")
        | confirming_removal.to.itself(internal=True, on="help_and_reask")
        | asking_new_hours.to(ready, cond="already_helped", on="show_help")
        | asking_new_hours.to.itself(internal=True, on="help_and_reask")
        | confirming_hours.to(ready, cond="already_helped", on="show_help")
        | confirming_hours.to.itself(internal=True, on="help_and_reask")
        | asking_service_name.to(ready, cond="already_helped", on="show_help")
        | asking_service_name.to.itself(internal=True, on="help_and_reask")
        | asking_service_price.to(ready, cond="already_helped", on="show_help")
        | asking_service_price.to.itself(internal=True, on="help_and_reask")
        | asking_service_minutes.to(ready, cond="already_helped", on="show_help")
        | asking_service_minutes.to.itself(internal=True, on="help_and_reask")
        | confirming_new_service.to(ready, cond="already_helped", on="show_help")
        | confirming_new_service.to.itself(internal=True, on="help_and_reask")
        | choosing_service_to_change.to(ready, cond="already_helped", on="show_help")
        | choosing_service_to_change.to.itself(internal=True, on="help_and_reask")
        | asking_service_change.to(ready, cond="already_helped", on="show_help")
        | asking_service_change.to.itself(internal=True, on="help_and_reask")
    )
