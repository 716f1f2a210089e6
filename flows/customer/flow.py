"""The customer's conversation, as a diagram a product reviewer can read top to bottom.

At rest Yume answers questions (prices, hours, address, «¿qué citas tengo?») and waits for a
request. A request opens a task (booking, moving, cancelling); every message then fills what the
task still needs, whatever was asked, and the task asks only for what is missing (its steps are
declared with the task, `flows/appointments/`). Choosing a time is the confirmation: once
service, time and (for a new customer) a name are known, the booking is made in the same
message. Repair is declared once, for every step of every task, on `busy`.
"""

from __future__ import annotations

from statemachine import State

from flows.core import replies
from flows.appointments.booking import booking_steps
from flows.appointments.cancelling import cancelling_steps
from flows.appointments.moving import moving_steps
from flows.core.steps import ConversationChart, Step
from nlu.context import Expecting


class CustomerFlow(ConversationChart):
    """A customer books, reschedules or cancels an appointment and asks about the business."""

    # Nothing pending: Yume answers questions and waits for a request.
    chatting = State(initial=True)

    class busy(State.Compound):
        """In the middle of a request: every message may fill what it still needs."""

        booking = booking_steps(asks_names=True)
        moving = moving_steps()
        cancelling = cancelling_steps()
        # Asked to book while already having an appointment: another one, or that one?
        deciding_another_or_change = Step(Expecting.CHOICE, help=replies.HELP_ANOTHER_OR_CHANGE)
        # «No creo alcanzar» after a reminder: cancel it or move it?
        deciding_cancel_or_move = Step(Expecting.CHOICE, help=replies.HELP_CANCEL_OR_MOVE)

        chose_another = deciding_another_or_change.to(booking)
        chose_to_move = deciding_another_or_change.to(moving) | deciding_cancel_or_move.to(moving)
        chose_to_cancel = deciding_another_or_change.to(cancelling) | deciding_cancel_or_move.to(cancelling)

    # A person takes over; Yume stays silent with this customer until handed back.
    handed_off = State()

    # --- at rest ----------------------------------------------------------------------------
    greeted = chatting.to(None, on="greet")
    thanked = chatting.to(None, on="say_you_are_welcome")
    asked_question = chatting.to(None, on="answer_question")
    needs_the_owner = chatting.to(None, on="forward_to_owner")
    # A reminder's «Confirmo» (tapped, typed back, or a «sí» right after it).
    confirmed_attendance = chatting.to(None, on="confirm_attendance")

    # --- requests: each opens its task, which asks for what is still missing ---------------
    wants_to_book = (
        chatting.to(busy.deciding_another_or_change, cond="has_upcoming_appointment", unless="wants_another")
        | chatting.to(busy.booking)
    )
    wants_to_reschedule = (
        chatting.to(None, unless="has_upcoming_appointment", on="say_no_appointments") | chatting.to(busy.moving)
    )
    wants_to_cancel = (
        chatting.to(None, unless="has_upcoming_appointment", on="say_no_appointments") | chatting.to(busy.cancelling)
    )
    # «Uy, no creo alcanzar» (after a reminder): cancel or move that appointment?
    cannot_make_it = (
        chatting.to(None, unless="has_upcoming_appointment", on="say_no_appointments")
        | chatting.to(busy.deciding_cancel_or_move)
    )
    # Every task ends back at rest.
    finished = busy.to(chatting, event="done.state")

    # --- repair, once for every step of every task ----------------------------------------
    # «olvídalo», «ya no» (or a new request, heard again at rest): drop what we were doing.
    gave_up = busy.to(chatting)
    # «¿cuánto cuesta?» while choosing a time: answer, then ask the same question again.
    digressed = busy.to(None, on="answer_digression")
    # Not understood: help once; the second time in a row, a person takes over.
    was_not_understood = (
        busy.to(handed_off, cond="already_helped")
        | busy.to(None, on="help_and_reask")
        | chatting.to(handed_off, cond="already_helped")
        | chatting.to(None, on="show_general_help")
    )
    # «quiero hablar con alguien»: a person takes over, from anywhere.
    asked_for_person = handed_off.from_(chatting, busy)
    handed_off.to(chatting)
