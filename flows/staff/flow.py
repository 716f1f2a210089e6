"""The staff member's conversation: their day, their time and their customers, by chat.

Staff are recognised by the phone they write from, never by what they say. At rest Yume shows
agendas and waits for a request; a request opens a task (a block, marking an appointment, a
walk-in, an errand for a customer), each with its own steps and router (`blocking.py`,
`marking.py`, `walk_in.py`, `errands.py`); every message fills what the task still needs. A
block that would cancel appointments and a no-show are asked first (yes/no); completed is marked
at once. Repair is declared once, on `busy`.

The owner's machine (`flows/owner/flow.py`) has all of this too: `staff_requests` and
`staff_repair` declare it once for both.
"""

from __future__ import annotations

from typing import NamedTuple

from statemachine import State
from statemachine.transition_list import TransitionList

from flows.core.steps import ConversationChart
from flows.staff.blocking import blocking_steps
from flows.staff.errands import errand_steps
from flows.staff.marking import marking_steps
from flows.staff.walk_in import walk_in_steps


class StaffRequests(NamedTuple):
    """What a staff member asks for at rest, and the task each request opens."""

    greeted: TransitionList
    thanked: TransitionList
    asked_schedule: TransitionList
    asked_business_schedule: TransitionList
    asked_week_page: TransitionList
    asked_to_unblock: TransitionList
    wants_to_block: TransitionList
    wants_no_show: TransitionList
    wants_completed: TransitionList
    wants_walk_in: TransitionList
    wants_history: TransitionList
    wants_to_message: TransitionList
    wants_to_book: TransitionList
    wants_to_cancel: TransitionList
    wants_to_reschedule: TransitionList


def staff_requests(ready: State, busy: State) -> StaffRequests:
    """The staff requests, from rest to their tasks (permissions checked first)."""
    not_allowed = {"on": "say_not_allowed"}
    return StaffRequests(
        greeted=ready.to(None, on="greet"),
        thanked=ready.to(None, on="say_you_are_welcome"),
        asked_schedule=ready.to(None, on="show_my_schedule"),
        asked_business_schedule=(
            ready.to(None, cond="may_see_business_schedule", on="show_business_schedule")
            | ready.to(None, on="say_not_allowed_agenda")
        ),
        # «ver mi semana»: a link to the week page.
        asked_week_page=ready.to(None, on="send_week_page"),
        # «desbloquea el jueves»: the blocks named are removed at once (or the upcoming ones listed).
        asked_to_unblock=ready.to(None, on="unblock_time"),
        wants_to_block=ready.to(busy.blocking),
        wants_no_show=ready.to(None, unless="has_appointments_to_mark", on="say_nothing_to_mark") | ready.to(busy.marking),
        wants_completed=ready.to(None, unless="has_appointments_to_mark", on="say_nothing_to_mark") | ready.to(busy.marking),
        wants_walk_in=ready.to(busy.walk_in),
        wants_history=ready.to(None, unless="may_view_history", **not_allowed) | ready.to(busy.errand),
        wants_to_message=ready.to(None, unless="may_message_customers", **not_allowed) | ready.to(busy.errand),
        wants_to_book=ready.to(None, unless="may_manage_appointments", **not_allowed) | ready.to(busy.errand),
        wants_to_cancel=ready.to(None, unless="may_manage_appointments", **not_allowed) | ready.to(busy.errand),
        wants_to_reschedule=ready.to(None, unless="may_manage_appointments", **not_allowed) | ready.to(busy.errand),
    )


class Repair(NamedTuple):
    """Repair, once for every step of every task; and every task ends back at rest."""

    finished: TransitionList
    gave_up: TransitionList
    digressed: TransitionList
    was_not_understood: TransitionList


def staff_repair(ready: State, busy: State) -> Repair:
    return Repair(
        finished=busy.to(ready, event="done.state"),
        # «olvídalo» (or a new request, heard again at rest): drop what we were doing.
        gave_up=busy.to(ready),
        # «hola», «gracias», a question in the middle: answered, and the question asked again.
        digressed=busy.to(None, on="answer_digression"),
        # Not understood: help once; the second time in a row, drop it and show what we can do.
        was_not_understood=(
            busy.to(ready, cond="already_helped", on="show_help")
            | busy.to(None, on="help_and_reask")
            | ready.to(None, on="show_help")
        ),
    )


class StaffFlow(ConversationChart):
    """A staff member runs their day by chat: agenda, blocks, no-shows, walk-ins, customers' appointments."""

    # Nothing pending: Yume shows agendas and waits for a request.
    ready = State(initial=True)

    class busy(State.Compound):
        """In the middle of a request: every message may fill what it still needs."""

        blocking = blocking_steps()
        marking = marking_steps()
        walk_in = walk_in_steps()
        errand = errand_steps()

    (
        greeted, thanked, asked_schedule, asked_business_schedule, asked_week_page, asked_to_unblock,
        wants_to_block, wants_no_show, wants_completed, wants_walk_in,
        wants_history, wants_to_message, wants_to_book, wants_to_cancel, wants_to_reschedule,
    ) = staff_requests(ready, busy)
    finished, gave_up, digressed, was_not_understood = staff_repair(ready, busy)
