"""A new business signs up by chatting with Yume's own number (PRODUCT.md §2 "Onboarding").

Business name → the owner's name → services (one per message, "ya" to finish) → opening hours
(a few lines, "listo" to finish) → the team (optional) → the link to connect their WhatsApp.
Every answer is saved as it comes (the organization is created, in status onboarding, with the
first answer), so a chat left half-way resumes where it was: this conversation never goes stale,
and from `new` (after "olvídalo") the first thing still missing is asked. Target: under 10 minutes.
"""

from __future__ import annotations

from statemachine import State, StateMachine


class OnboardingFlow(StateMachine):
    """A new business signs up by chat: name, services, hours, team, and the link to connect WhatsApp."""

    # Nothing asked yet (or the person stopped): the next message asks what is still missing.
    new = State(initial=True)
    asking_business_name = State()
    asking_owner_name = State()
    # Services, one per message ("Corte de cabello, 150, 45 min"); price or duration asked when missing.
    asking_service = State()
    asking_service_price = State()
    asking_service_minutes = State()
    # Opening hours, a line at a time ("lunes a viernes de 10 a 8").
    asking_hours = State()
    # The team: anyone else? → name → WhatsApp number → anyone else?
    deciding_on_staff = State()
    asking_staff_name = State()
    asking_staff_phone = State()
    # Signed up: the link to connect their WhatsApp was sent; Yume reminds it when they write.
    connecting = State()

    # --- resuming: the first thing still missing ---------------------------------------------------
    wrote = (
        new.to(asking_business_name, unless="has_business")
        | new.to(asking_owner_name, unless="knows_owner_name")
        | new.to(asking_service, unless="has_services")
        | new.to(asking_hours, unless="has_hours")
        | new.to(connecting)
    )
    wrote_again = connecting.to.itself(internal=True, on="remind_link")

    # --- the business and its owner ----------------------------------------------------------------
    gave_business_name = asking_business_name.to(asking_owner_name)
    gave_owner_name = asking_owner_name.to(asking_service)

    # --- services --------------------------------------------------------------------------------------
    gave_service = (
        asking_service.to.itself(unless="knows_service_name")
        | asking_service.to(asking_service_price, unless="knows_service_price")
        | asking_service.to(asking_service_minutes, unless="knows_service_minutes")
        | asking_service.to.itself(on="save_service")
    )
    gave_price = (
        asking_service_price.to(asking_service_minutes, unless="knows_service_minutes")
        | asking_service_price.to(asking_service, on="save_service")
    )
    gave_minutes = asking_service_minutes.to(asking_service, on="save_service")
    finished_services = asking_service.to(asking_hours, cond="has_services") | asking_service.to.itself()

    # --- opening hours ---------------------------------------------------------------------------------
    gave_hours = asking_hours.to.itself(unless="knows_hours") | asking_hours.to.itself(on="save_hours")
    finished_hours = asking_hours.to(deciding_on_staff, cond="has_hours") | asking_hours.to.itself()

    # --- the team ----------------------------------------------------------------------------------------
    wants_staff = deciding_on_staff.to(asking_staff_name)
    no_more_staff = deciding_on_staff.to(connecting)
    gave_staff_name = (
        asking_staff_name.to(asking_staff_phone, unless="knows_staff_phone")
        | asking_staff_name.to(deciding_on_staff, on="save_staff")
    )
    gave_staff_phone = (
        asking_staff_phone.to.itself(unless="knows_staff_phone")
        | asking_staff_phone.to(deciding_on_staff, on="save_staff")
    )

    # --- repair, in every step that collects something ----------------------------------------
    # "olvídalo": what was saved stays; the next message picks up from there.
    gave_up = new.from_(
        asking_business_name, asking_owner_name, asking_service, asking_service_price, asking_service_minutes,
        asking_hours, deciding_on_staff, asking_staff_name, asking_staff_phone,
    )
    digressed = (
        asking_business_name.to.itself(internal=True)
        | asking_owner_name.to.itself(internal=True)
        | asking_service.to.itself(internal=True)
        | asking_service_price.to.itself(internal=True)
        | asking_service_minutes.to.itself(internal=True)
        | asking_hours.to.itself(internal=True)
        | deciding_on_staff.to.itself(internal=True)
        | asking_staff_name.to.itself(internal=True)
        | asking_staff_phone.to.itself(internal=True)
    )
    was_not_understood = (
        asking_business_name.to(new, cond="already_helped", on="show_help")
        | asking_business_name.to.itself(internal=True, on="help_and_reask")
        | asking_owner_name.to(new, cond="already_helped", on="show_help")
        | asking_owner_name.to.itself(internal=True, on="help_and_reask")
        | asking_service.to(new, cond="already_helped", on="show_help")
        | asking_service.to.itself(internal=True, on="help_and_reask")
        | asking_service_price.to(new, cond="already_helped", on="show_help")
        | asking_service_price.to.itself(internal=True, on="help_and_reask")
        | asking_service_minutes.to(new, cond="already_helped", on="show_help")
        | asking_service_minutes.to.itself(internal=True, on="help_and_reask")
        | asking_hours.to(new, cond="already_helped", on="show_help")
        | asking_hours.to.itself(internal=True, on="help_and_reask")
        | deciding_on_staff.to(new, cond="already_helped", on="show_help")
        | deciding_on_staff.to.itself(internal=True, on="help_and_reask")
        | asking_staff_name.to(new, cond="already_helped", on="show_help")
        | asking_staff_name.to.itself(internal=True, on="help_and_reask")
        | asking_staff_phone.to(new, cond="already_helped", on="show_help")
        | asking_staff_phone.to.itself(internal=True, on="help_and_reask")
    )
