"""The staff member's conversation: their agenda and their time, by chat.

Staff are recognised by the phone they write from, never by what they say. Until the owner
machine exists, owners use this one too. A block that would cancel appointments is asked first
(yes/no, saying which); a block that collides with nothing is made at once.
"""

from __future__ import annotations

from statemachine import State, StateMachine


class StaffFlow(StateMachine):
    """A staff member checks their schedule (or the business's, if allowed) and blocks time."""

    # Nothing pending: Yume answers and waits for a request.
    ready = State(initial=True)
    # Blocking time: which hours → (if appointments are in the way) yes or no → blocked.
    asking_block_hours = State()
    confirming_block = State()
    blocked = State()

    # --- at rest ----------------------------------------------------------------------------
    greeted = ready.to.itself(internal=True, on="greet")
    thanked = ready.to.itself(internal=True, on="say_you_are_welcome")
    asked_schedule = ready.to.itself(internal=True, on="show_my_schedule")
    asked_business_schedule = (
        ready.to.itself(internal=True, cond="may_see_business_schedule", on="show_business_schedule")
        | ready.to.itself(internal=True, on="say_not_allowed")
    )
    asked_for_later_action = ready.to.itself(internal=True, on="say_not_available_yet")
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
    confirmed = confirming_block.to(blocked)
    declined = confirming_block.to(ready, on="say_block_not_made")
    blocked.to(ready)

    # --- repair --------------------------------------------------------------------------------
    gave_up = ready.from_(asking_block_hours, confirming_block)
    digressed = asking_block_hours.to.itself(internal=True) | confirming_block.to.itself(internal=True)
    # Not understood: help once; the second time in a row, drop it and show what we can do.
    was_not_understood = (
        ready.to.itself(internal=True, on="show_help")
        | asking_block_hours.to(ready, cond="already_helped", on="show_help")
        | asking_block_hours.to.itself(internal=True, on="help_and_reask")
        | confirming_block.to(ready, cond="already_helped", on="show_help")
        | confirming_block.to.itself(internal=True, on="help_and_reask")
    )
