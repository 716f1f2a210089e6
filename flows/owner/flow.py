"""The owner's conversation: everything a staff member does, plus running the business.

The staff tasks and requests are declared once for both machines (`flows/staff/flow.py`); here
the owner adds the team (add, remove), opening hours (the week, and special days: a closure or
short hours for everyone), services and prices, and stats. Decisions a salon owner would expect:
adding someone is confirmed first, then a welcome is offered; removing someone is refused while
they have appointments ahead; new weekly hours are confirmed first and appointments left outside
are listed, never cancelled; a closed day with appointments asks whether to cancel them (and tell
the customers) or keep them; a new service is confirmed first, a price change is made at once.
"""

from __future__ import annotations

from statemachine import State

from flows.core.steps import ConversationChart
from flows.owner.hours import changing_hours_steps, special_day_steps
from flows.owner.services import adding_service_steps, changing_service_steps
from flows.owner.team import adding_staff_steps, removing_staff_steps
from flows.staff.blocking import blocking_steps
from flows.staff.errands import errand_steps
from flows.staff.flow import staff_repair, staff_requests
from flows.staff.marking import marking_steps
from flows.staff.walk_in import walk_in_steps


class OwnerFlow(ConversationChart):
    """The owner runs the business by chat: their agenda and customers, the team, hours, services, stats."""

    # Nothing pending: Yume shows agendas and stats and waits for a request.
    ready = State(initial=True)

    class busy(State.Compound):
        """In the middle of a request: every message may fill what it still needs."""

        blocking = blocking_steps()
        marking = marking_steps()
        walk_in = walk_in_steps()
        errand = errand_steps()
        adding_staff = adding_staff_steps()
        removing_staff = removing_staff_steps()
        changing_hours = changing_hours_steps()
        special_day = special_day_steps()
        adding_service = adding_service_steps()
        changing_service = changing_service_steps()

    # --- everything a staff member does ---------------------------------------------------
    (
        greeted, thanked, asked_schedule, asked_business_schedule, asked_week_page, asked_to_unblock,
        wants_to_block, wants_no_show, wants_completed, wants_walk_in,
        wants_history, wants_to_message, wants_to_book, wants_to_cancel, wants_to_reschedule,
    ) = staff_requests(ready, busy)

    # --- running the business ---------------------------------------------------------------
    asked_stats = ready.to(None, on="show_stats")
    # «Listo» after talking to a customer from the phone app: Yume takes that chat back.
    finished_with_customer = ready.to(None, on="hand_back_customer")
    wants_to_add_staff = ready.to(busy.adding_staff)
    wants_to_remove_staff = ready.to(busy.removing_staff)
    wants_to_set_hours = ready.to(busy.changing_hours)
    # «el 24 de diciembre cerramos»: one date for everyone, not the week.
    wants_special_day = ready.to(busy.special_day)
    wants_to_add_service = ready.to(busy.adding_service)
    wants_to_change_service = ready.to(busy.changing_service)

    # --- repair, once for every step of every task ----------------------------------------
    finished, gave_up, digressed, was_not_understood = staff_repair(ready, busy)
