"""The kinds of state a conversation machine is made of, and how a chat's place in it is stored.

- `Step`: Yume asked something and waits for the answer. It says what it expects (so the NLU
  reads «a las 4» or «la segunda» in context) and how to help when the answer is not understood.
- `NextStep`: a moment, not a place: "what is still missing?". Its guarded transitions go to the
  first step whose answer is missing, or to the outcome; every answer of a task comes back here.
- `Outcome`: Yume acts (books, moves, blocks…) and says so; `Done` (final) ends the task, and the
  role machine takes the chat back to rest once, for every task (`done.state` events).

A chat in a compound state stores only its innermost state's id (`Conversation.flow_state`); the
ancestors follow from the machine's declaration (`configuration_of`, `innermost`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from statemachine import State, StateChart
from statemachine.orderedset import OrderedSet

from nlu.context import Expecting


class ConversationChart(StateChart):
    """A role's machine. An error in a guard or an action propagates, so the engine rolls the whole
    turn back and apologises (python-statemachine would otherwise turn it into an event)."""

    catch_errors_as_events = False


class Step(State):
    """Yume asked something; the chat waits here for the answer."""

    def __init__(self, expects: Expecting | None = None, help: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expects = expects
        self.help = help  # a line from a replies module: what a good answer looks like


class NextStep(State):
    """Transient: its transitions pick the first thing still missing (never where a chat rests)."""


class Outcome(State):
    """Yume acts and says so; eventless transitions then leave it (to `Done`, or back to a step)."""


class Done(State):
    """The task is over: the role machine takes the chat back to rest."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(final=True, **kwargs)


def configuration_of(machine: type[StateChart], leaf: str | None) -> OrderedSet[str] | None:
    """The stored innermost state id as the machine's configuration (ancestors first)."""
    if leaf is None or leaf not in machine.states_map:
        return None
    state = machine.states_map[leaf]
    return OrderedSet([*(s.id for s in reversed(list(state.ancestors()))), state.id])


def innermost(machine: type[StateChart], configuration: Any) -> str | None:
    """The id to store for a configuration the machine wrote (the deepest active state)."""
    if configuration is None:
        return None
    values: Iterable[Any] = configuration if isinstance(configuration, OrderedSet | set | list) else [configuration]
    ids = [str(value) for value in values]
    atomic = [value for value in ids if machine.states_map[value].is_atomic]
    return (atomic or ids)[-1] if ids else None


def waiting_states(machine: type[StateChart]) -> list[State]:
    """The states a chat can rest in between messages: the initial one and every `Step`."""
    return [state for state in machine.states_map.values() if isinstance(state, Step) or state.initial and state.parent is None]
