"""The model every role's machine runs on: one turn's facts, what Yume says, and repair.

A role is a `StateChart` (the allowed moves, `flows/<role>/flow.py`), a `Chat` subclass (the facts
the guards read and how a message becomes events) and the task components it composes
(`flows/appointments/`, `flows/staff/`, …), each a listener of the machine with its own guards and
actions. A turn: restore the chat from the conversation row → turn the message into events
(`events_for`: every slot it carries goes into the current task's draft, whatever was asked) →
send them → the engine stores the innermost state and the typed `FlowData`.

Repair is the same for every task and declared once per machine on its `busy` compound state:
stop («olvídalo»), a question in the middle (answered, then the question again), a new request
(the old one dropped quietly, the new one heard at rest), not understood (help once; the second
time a person takes over, or the staff help), a person asked for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, ClassVar, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from statemachine import State, StateChart

from flows.core import replies
from flows.core.business import BusinessFacts
from flows.core.drafts import Draft, FlowData, Question
from flows.core.steps import Step, configuration_of, innermost
from flows.core.options import Option, option_typed, option_slot
from flows.core.replies import Reply
from nlu.understanding import Intent, Slots
from store.models import Conversation, Customer, Staff

D = TypeVar("D", bound=Draft)

MAX_IDLE_MACHINES = 16  # per chat class: about the turns one process runs at once
# Idle chats of each class with their parts and the machine built on them (`Chat.for_turn`).
_IDLE: dict[type[Chat], list[tuple[Chat, list[Component], StateChart]]] = {}

#: Questions a message may carry besides what it asks for («¿abren el domingo? quiero corte a las 12»).
QUESTION_INTENTS = frozenset({Intent.ASK_SERVICES, Intent.ASK_HOURS, Intent.ASK_LOCATION, Intent.MY_APPOINTMENTS})


@dataclass
class Heard:
    """One message as the flows read it: the NLU's intent and slots, plus a picked option."""

    intent: Intent
    slots: Slots = field(default_factory=Slots)
    text: str | None = None
    option: Option | None = None  # a tapped button/row, "la segunda", or a typed option title
    media: str | None = None  # audio, image, sticker, … (no text to understand)
    engine: str = "rules"

    @property
    def said_yes(self) -> bool:
        return (self.option is not None and self.option.id == "yes") or self.intent == Intent.AFFIRM

    @property
    def said_no(self) -> bool:
        return (self.option is not None and self.option.id == "no") or self.intent == Intent.DENY

    @property
    def questions(self) -> list[Intent]:
        """The questions this message asks: its intent when it is one, and any asked beside it."""
        asked = [self.intent] if self.intent in QUESTION_INTENTS else []
        for name in self.slots.also or []:
            extra = Intent(name)
            if extra in QUESTION_INTENTS and extra not in asked:
                asked.append(extra)
        return asked

    def option_of(self, kind: str) -> Option | None:
        """The picked option when it is of this kind ("slot", "svc", "appt", …)."""
        return self.option if self.option is not None and self.option.kind == kind else None


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the sender: the owner, a staff member, a customer."""

    to: Staff | Customer
    reply: Reply


@dataclass
class Turn:
    """Everything a chat needs for one inbound message, loaded by the engine."""

    session: AsyncSession
    business: BusinessFacts
    conversation: Conversation
    person: Customer | Staff
    now: datetime
    heard: Heard
    base_url: str = "http://127.0.0.1:8080"  # the deployment's public address (YUME_BASE_URL), for links


class Component:
    """A piece of a role's conversation: a listener of its machine (guards, actions) on the chat's facts."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat


class Task(Component):
    """One thing a person gets done by chat: a compound state, its draft, and how a message fills it."""

    #: The id of the task's compound state in the role machine ("booking", "blocking", …).
    state: ClassVar[str]
    #: The intents that are answers inside this task, not new requests («sí, bloquéalo» while blocking).
    intents: ClassVar[frozenset[Intent]] = frozenset()

    async def fill(self, heard: Heard) -> bool | list[str]:
        """Merge what the message carries into the draft; True when it gave this task anything.

        A step that decides between tasks («¿agendar otra o cambiar esa?») answers with the events
        its choice means instead.
        """
        raise NotImplementedError

    def yes_or_no(self, step: str, heard: Heard, *also_yes: Intent) -> bool | None:
        """At the yes/no question `step` asks: True for a yes (or a request that repeats it, `also_yes`),
        False for a no, None when the chat is elsewhere or the message says neither."""
        if not self.chat.in_state(step):
            return None
        if heard.said_yes or heard.intent in also_yes:
            return True
        return False if heard.said_no else None

    def draft_as(self, kind: type[D]) -> D:
        """The chat's draft, which is this task's while it runs."""
        draft = self.chat.data.draft
        if not isinstance(draft, kind):
            draft = kind()
            self.chat.data.draft = draft
        return draft


class Speech:
    """What a chat says during a turn, and to whom: the person writing, someone else, the owners.

    Shared by the task chats and the onboarding chat (`flows/onboarding/base_chat.py`).
    """

    turn: Turn
    business: BusinessFacts
    now: datetime
    replies: list[Reply]
    notices: list[Notice]

    def say(self, reply: Reply) -> None:
        """Send a message to the person writing."""
        self.replies.append(reply)

    def notify(self, person: Staff | Customer | None, reply: Reply) -> None:
        """Send a message to someone else (never the sender, never twice the same to the same person)."""
        if person is None or person.id == self.turn.person.id:
            return
        if any(notice.to.id == person.id and notice.reply == reply for notice in self.notices):
            return
        self.notices.append(Notice(to=person, reply=reply))

    def notify_owner_and_staff(self, staff_id: uuid.UUID, owner_reply: Reply, staff_reply: Reply) -> None:
        """Tell the owner(s) and the staff member concerned; one message when they are the same person."""
        staff = self.business.staff_member(staff_id)
        for owner in self.owners:
            self.notify(owner, staff_reply if staff is not None and owner.id == staff.id else owner_reply)
        if staff is not None and all(staff.id != owner.id for owner in self.owners):
            self.notify(staff, staff_reply)

    @property
    def owners(self) -> list[Staff]:
        return [member for member in self.business.staff if member.is_owner]

    @property
    def today(self) -> date:
        return self.business.today(self.now)

    def local_moment(self, day: date, clock: time) -> datetime:
        return self.business.at(day, clock)


class Chat(Speech):
    """Base model of a role's machine: facts, speech, and the repair every task shares."""

    #: The role's machine; set by each subclass.
    machine: ClassVar[type[StateChart]]
    #: The components the role composes (tasks and helpers), in the order their callbacks run.
    components: ClassVar[tuple[type[Component], ...]] = ()
    #: False for chats whose half-way requests never go stale (onboarding resumes where it was).
    expires: ClassVar[bool] = True

    @classmethod
    def flows(cls) -> tuple[type[StateChart], ...]:
        """Every machine this chat runs (diagrams and coverage)."""
        return (cls.machine,)

    @classmethod
    def knows_state(cls, state: str | None) -> bool:
        """True for no state yet or a state of this chat's machine."""
        return state is None or state in cls.machine.states_map

    @classmethod
    def at_rest(cls, state: str | None) -> bool:
        """Nothing pending: no state yet, the initial state, or a state the machine does not have."""
        return state is None or not cls.knows_state(state) or state == cls.rest_state().id

    @classmethod
    def rest_state(cls) -> State:
        initial = cls.machine.initial_state
        assert initial is not None
        return initial

    @classmethod
    def migrate_v1(cls, raw: Any) -> Draft | None:
        """The draft of a version-1 `flow_data` dict (chats in flight across an upgrade)."""
        return None

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.session = turn.session
        self.business = turn.business
        self.conversation = turn.conversation
        self.now = turn.now
        self.heard = turn.heard
        stored = turn.conversation.flow_state
        self._leaf: str | None = stored if stored in self.machine.states_map else None
        self.data: FlowData = FlowData.restore(turn.conversation.flow_data, self.migrate_v1)
        self.parts: list[Component] = [component(self) for component in self.components]
        self.replies: list[Reply] = []
        self.notices: list[Notice] = []
        self.events: list[str] = []
        self.step: State | None = self.machine.states_map[self._leaf] if self._leaf else None
        # Set while listening when the message must be heard again after the first event
        # (a new request in the middle of another: drop the old one, then hear the new one at rest).
        self.listen_again = False
        self.quiet_stop = False

    # -- where the chat stands -------------------------------------------------------------------

    @property
    def configuration(self) -> Any:
        """The machine's configuration, from the one state id the conversation stores."""
        return configuration_of(self.machine, self._leaf)

    @configuration.setter
    def configuration(self, value: Any) -> None:
        self._leaf = innermost(self.machine, value)

    @property
    def flow_state(self) -> str | None:
        """What the engine stores in `Conversation.flow_state`: the innermost state's id."""
        return self._leaf

    def stored_data(self) -> dict[str, Any]:
        """What the engine stores in `Conversation.flow_data`."""
        return self.data.stored()

    @property
    def resting(self) -> bool:
        return self._leaf is None or self._leaf == self.rest_state().id

    def in_state(self, state_id: str) -> bool:
        """The chat is in this state or inside it (a task's compound state)."""
        configuration = self.configuration
        return configuration is not None and state_id in configuration

    def on_enter_state(self, target: State) -> None:
        """Every state entered: remember it, so `ask` knows what the step expects."""
        self.step = target

    @property
    def task(self) -> Task | None:
        """The task in progress (the component whose compound state the chat is in)."""
        configuration = self.configuration
        if configuration is None:
            return None
        found = [part for part in self.parts if isinstance(part, Task) and part.state in configuration]
        return found[-1] if found else None  # an errand's booking is inside the errand: the innermost

    def part(self, kind: type[Component]) -> Any:
        """The composed component of this kind."""
        return next(part for part in self.parts if isinstance(part, kind))

    # -- running a turn ----------------------------------------------------------------------------

    @classmethod
    def for_turn(cls, turn: Turn) -> Chat:
        """A chat for this turn, on a machine already built for this class when one is idle.

        Building a machine resolves every callback name against the chat and its parts (several
        ms); a machine is bound to those objects, so an idle chat and its parts are initialised
        again in place (`__dict__` emptied, `__init__` run: a fresh object in all but identity).
        """
        idle = _IDLE.get(cls)
        if not idle:
            return cls(turn)
        chat, parts, machine = idle.pop()
        cls.__init__(chat, turn)
        for shell, fresh in zip(parts, chat.parts):
            shell.__dict__.update(fresh.__dict__)  # `fresh.chat` is `chat` already
        chat.parts = parts
        # The machine keeps its resolved callbacks; its engine and caches start over.
        machine.history_values = {}
        machine._config._cached = None  # noqa: SLF001 — the configuration is read from the chat again
        machine._engine = machine._get_engine()  # noqa: SLF001
        machine._engine.start()  # noqa: SLF001 — queues the initial state when the chat has none
        chat._machine = machine
        return chat

    def release(self) -> None:
        """The turn is over (and went well): keep the machine for another turn of this class.

        Everything the turn held (session, rows, replies) is dropped now, not at the next turn.
        """
        machine = self.__dict__.get("_machine")
        idle = _IDLE.setdefault(type(self), [])
        if machine is None or len(idle) >= MAX_IDLE_MACHINES:
            return
        parts = self.parts
        for part in parts:
            part.__dict__.clear()
        self.__dict__.clear()
        idle.append((self, parts, machine))

    async def run(self, listeners: Sequence[object] = ()) -> None:
        """Restore the machine where the conversation stands and feed it what was heard.

        `listeners` watch the machine from outside (transition coverage in `yume replay`): such
        a machine is built for this turn only.
        """
        machine = self.__dict__.get("_machine") if not listeners else None
        if machine is None:
            machine = self.machine(self, state_field="configuration", listeners=[*self.parts, *listeners])
            if not listeners:
                self._machine = machine
        if self._leaf is None:
            await machine.activate_initial_state()
        self.heard = self.with_offered_option(self.heard)
        if self.heard.slots.language == "en" and not self.data.told_spanish_only:
            self.say(replies.spanish_only())
            self.data.told_spanish_only = True
        pending = await self.events_for(self.heard)
        while pending:
            event = pending.pop(0)
            if event not in {e.id for e in machine.allowed_events}:
                event = "was_not_understood"
            if event != "was_not_understood":
                self.data.misunderstood = 0
            self.events.append(event)
            await machine.send(event)
            if self.listen_again and not pending:
                self.listen_again = False
                pending = await self.events_for(self.heard)

    async def events_for(self, heard: Heard) -> list[str]:
        """What this message means where the chat stands; every detail it gives is kept.

        At rest each role decides (`hear_at_rest`). In the middle of a task: «olvídalo» stops it;
        a request of another task drops this one quietly and is heard again at rest; anything the
        task can use fills its draft (and questions asked beside it are answered); a question or
        small talk alone is a digression; the rest was not understood.
        """
        if heard.intent == Intent.HUMAN:
            return ["asked_for_person"]
        task = None if self.resting else self.task
        if task is None:
            return await self.hear_at_rest(heard)
        if heard.intent == Intent.STOP:
            return ["gave_up"]
        if self.starts_something_else(heard, task):
            self.quiet_stop = True
            self.listen_again = True
            return ["gave_up"]
        if heard.intent in QUESTION_INTENTS:
            return ["digressed"]  # «¿cuánto cuesta la barba?» asks; it does not change the booking
        filled = await task.fill(heard)
        if filled:
            await self.answer_questions(heard)
            return filled if isinstance(filled, list) else ["answered"]
        if heard.questions or heard.intent in (Intent.GREET, Intent.THANKS) or self.is_digression(heard):
            return ["digressed"]
        return ["was_not_understood"]

    async def hear_at_rest(self, heard: Heard) -> list[str]:
        """The events a message means when nothing is pending (each role decides)."""
        raise NotImplementedError

    def starts_something_else(self, heard: Heard, task: Task) -> bool:
        """A request that belongs to another task (each role names its requests)."""
        return False

    def is_digression(self, heard: Heard) -> bool:
        """Something to answer without touching the pending question (each role may widen it)."""
        return False

    async def answer_questions(self, heard: Heard) -> None:
        """Answer the questions a message asks beside its request (each role knows its answers)."""

    def with_offered_option(self, heard: Heard) -> Heard:
        """Resolve "la segunda", a typed option title, or a typed time that is on the list.

        When the options are times, a number that is one of the listed times means that time
        («4» with «4:00 PM» listed), not the fourth option.
        """
        if heard.option is not None:
            return heard
        offered = self.data.offered
        if not offered:
            return heard
        if heard.slots.time is not None:
            at_time = [o for o in offered if (slot := option_slot(o.id)) is not None and slot[1] == heard.slots.time]
            wanted_day = heard.slots.date
            at_time = [o for o in at_time if wanted_day is None or option_slot(o.id)[0] == wanted_day]  # type: ignore[index]
            if len(at_time) == 1:
                heard.option = at_time[0]
                return heard
            if any(option_slot(o.id) is not None for o in offered):
                return heard  # a time not on the list: the booking steps look at it as a time
        choice = heard.slots.choice
        typed = (heard.text or "").strip().rstrip(".)")
        if choice is None and typed.isdigit():
            choice = int(typed)  # a bare «1» answering buttons or a list: that option
        if choice and 1 <= choice <= len(offered):
            heard.option = offered[choice - 1]
        else:
            heard.option = option_typed(heard.text, offered)
        return heard

    # -- what we asked last -------------------------------------------------------------------------

    def ask(self, reply: Reply, lead: str | None = None, separator: str = " ") -> None:
        """Say a question and remember it: its options, what the step expects, how to ask it again.

        `lead` («¡Claro!», «Agregué a Pedro ✓») is said the first time only, not when asked again.
        """
        self.say(reply.prefixed(lead, separator=separator))
        expects = self.step.expects if isinstance(self.step, Step) else None
        self.data.question = Question(reply=reply, expecting=expects)
        self.data.offered_at_rest = []

    def reask(self, lead: str | None = None) -> None:
        """Ask the pending question again, optionally after a line of help."""
        question = self.data.question
        if question is None:
            if lead:
                self.say(Reply(text=lead))
            return
        self.say(question.reply.prefixed(lead) if lead else question.reply)

    def forget_question(self) -> None:
        self.data.question = None

    # -- repair shared by every task (the actions of the `busy` transitions) --------------------------

    def already_helped(self) -> bool:
        """Guard: the message before this one was not understood either."""
        return self.data.misunderstood >= 1

    def help_and_reask(self) -> None:
        """Say what the step expects, then ask the same question again."""
        self.data.misunderstood += 1
        help_line = self.step.help if isinstance(self.step, Step) else ""
        self.reask(replies.not_understood(help_line))

    def on_gave_up(self) -> None:
        if not self.quiet_stop:
            self.say(self.dropped_reply())

    def dropped_reply(self) -> Reply:
        """What Yume says when the person stops a request («Va, lo dejamos ahí»)."""
        return replies.dropped()

    def back_at_rest(self) -> None:
        """Nothing pending any more: forget the draft and the question (keep what «gracias» refers to)."""
        self.data.draft = None
        self.data.question = None
        self.data.offered_at_rest = []

    def media_received(self, kind: str) -> None:
        """A message without text: say so kindly and ask the pending question again."""
        if kind in ("sticker", "reaction"):
            return  # a deliberate silence: nothing to answer
        self.say(Reply(text=replies.media_not_supported(kind)))
        if self.data.question is not None:
            self.reask()

def capitalized(name: str) -> str:
    """A name as people write it, each word capitalised («kevin» → «Kevin», «de la Cruz» kept)."""
    small = {"de", "del", "la", "las", "los", "y"}
    words = " ".join(name.split())[:120].split(" ")
    return " ".join(
        word if (index and word in small) or not word[:1].islower() else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


