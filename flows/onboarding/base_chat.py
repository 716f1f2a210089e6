"""The model behind every role machine: the facts of one turn, and what Yume will say.

A role is a pair: a `StateMachine` declaring the allowed moves (states, events, guards) and a
`Chat` subclass holding the facts the guards read and the actions the states run. The machine is
bound to the chat (`state_field="flow_state"`), and the chat to the conversation row, so a turn
is: restore → pick events from what was heard → send them → persist state and collected data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from statemachine import StateMachine

from flows.core import replies
from flows.core.options import Option, option_typed
from flows.core.replies import Reply
from nlu.context import Expecting


from flows.core.chat import Heard, Notice, Speech, Turn  # noqa: E402  (one definition, shared while roles move to flows.core)


class Chat(Speech):
    """Base model of a role's machine: facts, speech, and the repair every step shares."""

    #: The role's machine; set by each subclass.
    flow: ClassVar[type[StateMachine]]
    #: Events a chat may fall back to when the event it picked is not allowed in the current state.
    fallback_event: ClassVar[str] = "was_not_understood"
    #: False for chats whose half-way requests never go stale (onboarding resumes where it was).
    expires: ClassVar[bool] = True

    @classmethod
    def flows(cls) -> tuple[type[StateMachine], ...]:
        """Every machine this chat runs (the owner's runs two: administration, and the staff's)."""
        return (cls.flow,)

    @classmethod
    def knows_state(cls, state: str | None) -> bool:
        """True for no state yet or a state of one of this chat's machines."""
        return state is None or any(state in flow.states_map for flow in cls.flows())

    @classmethod
    def at_rest(cls, state: str | None) -> bool:
        """Nothing pending: no state yet, an initial state, or a state none of its machines has."""
        if state is None or not cls.knows_state(state):
            return True
        return any(flow.initial_state is not None and state == flow.initial_state.id for flow in cls.flows())

    def stored_data(self) -> dict[str, Any]:
        """What the engine stores in `Conversation.flow_data`."""
        return self.data

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.session = turn.session
        self.business = turn.business
        self.conversation = turn.conversation
        self.now = turn.now
        self.heard = turn.heard
        self.flow_state: str | None = turn.conversation.flow_state
        self.data: dict[str, Any] = dict(turn.conversation.flow_data or {})
        self.replies: list[Reply] = []
        self.notices: list[Notice] = []
        self.events: list[str] = []
        # Set while listening when the message must be heard again after the first event
        # (a new request in the middle of another: drop the old one, then hear the new one at rest).
        self.listen_again = False

    # -- running a turn ---------------------------------------------------------------------

    async def run(self, listeners: Sequence[object] = ()) -> None:
        """Restore the machine at the conversation's state and feed it what was heard."""
        machine = self.flow(self, state_field="flow_state", listeners=list(listeners))
        if self.flow_state is None:
            await machine.activate_initial_state()
        self.heard = self.with_offered_option(self.heard)
        pending = await self.events_for(self.heard)
        while pending:
            event = pending.pop(0)
            machine = self._machine_for(event, machine, listeners)
            if event not in {e.id for e in machine.allowed_events}:
                event = self.fallback_event
                machine = self._machine_for(event, machine, listeners)
            if event != "was_not_understood":
                self.data["misunderstood"] = 0
            self.events.append(event)
            await machine.send(event)
            if self.listen_again and not pending:
                self.listen_again = False
                pending = await self.events_for(self.heard)

    def _machine_for(self, event: str, current: StateMachine, listeners: Sequence[object]) -> StateMachine:
        """The running machine, or the other one of this chat when `event` belongs to it."""
        wanted = self.machine_for(event)
        if isinstance(current, wanted):
            return current
        return wanted(self, state_field="flow_state", listeners=list(listeners))

    def machine_for(self, event: str) -> type[StateMachine]:
        """The machine that takes `event` where the chat stands (one machine: always `flow`)."""
        return self.flow

    async def events_for(self, heard: Heard) -> list[str]:
        """The machine events this message means in the current state (each role decides).

        Listening may also remember what the message carries (a day, a time, a name) in `data`,
        because the guards of the transitions it triggers read those facts.
        """
        raise NotImplementedError

    def with_offered_option(self, heard: Heard) -> Heard:
        """Resolve "la segunda" or a typed option title to the option offered last."""
        if heard.option is not None:
            return heard
        offered = self.offered
        if heard.slots.choice and 1 <= heard.slots.choice <= len(offered):
            heard.option = offered[heard.slots.choice - 1]
        elif offered:
            heard.option = option_typed(heard.text, offered)
        return heard

    # -- what we asked last -----------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.flow_state or ""

    @property
    def offered(self) -> list[Option]:
        return [Option.model_validate(item) for item in self.data.get("offered", [])]

    @property
    def expecting(self) -> Expecting | None:
        value = self.data.get("expecting")
        return Expecting(value) if value else None

    def ask(self, reply: Reply, expecting: Expecting | None, lead: str | None = None, separator: str = " ") -> None:
        """Say a question and remember it: its options, what it expects, how to ask it again.

        `lead` ("¡Claro!", "Agregué a Pedro ✓") is said the first time only, not when the question is asked again.
        """
        self.say(reply.prefixed(lead, separator=separator))
        self.data["question"] = reply.model_dump(mode="json")
        self.data["offered"] = [option.model_dump() for option in reply.options]
        self.data["expecting"] = expecting.value if expecting else None

    def reask(self, lead: str | None = None) -> None:
        """Ask the pending question again, optionally after a line of help."""
        question = self.data.get("question")
        if not question:
            if lead:
                self.say(Reply(text=lead))
            return
        reply = Reply.model_validate(question)
        self.say(reply.prefixed(lead) if lead else reply)

    def forget_question(self) -> None:
        for key in ("question", "offered", "expecting"):
            self.data.pop(key, None)

    # -- repair shared by every step ----------------------------------------------------------

    def already_helped(self) -> bool:
        """Guard: we already re-asked this step once after a message we did not understand."""
        return int(self.data.get("misunderstood", 0)) >= 1

    def help_and_reask(self) -> None:
        """Say what we expected, then ask the same question again."""
        self.data["misunderstood"] = int(self.data.get("misunderstood", 0)) + 1
        self.reask(replies.not_understood(self.help_line()))

    def help_line(self) -> str:
        """A short hint for the pending question (each role refines it per step)."""
        return ""

    def media_received(self, kind: str) -> None:
        """A message without text: say so kindly and ask the pending question again."""
        if kind in ("sticker", "reaction"):
            return  # a deliberate silence: nothing to answer
        self.say(Reply(text=replies.media_not_supported(kind)))
        if self.data.get("question"):
            self.reask()
