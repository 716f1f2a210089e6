"""Which machine runs a conversation: one chat model (and its machine) per role.

To add a role: write `flows/<role>/flow.py` (the machine) and `flows/<role>/chat.py` (a `Chat`
subclass with `flow = <Role>Flow`, composing task components), then map the role here. See
flows/README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from statemachine import StateMachine

from flows.onboarding.base_chat import Chat
from flows.core.chat import Chat as CoreChat
from flows.core.drafts import FlowData
from flows.customer.chat import CustomerChat
from flows.onboarding.chat import OnboardingChat
from flows.owner.chat import OwnerChat
from flows.staff.chat import StaffChat
from store.conversations import Conversation

ROLE_CHATS: dict[str, type[Chat | CoreChat]] = {
    "customer": CustomerChat,
    "staff": StaffChat,
    "owner": OwnerChat,  # everything staff can do (StaffFlow) plus administration (OwnerFlow)
    "onboarding": OnboardingChat,  # anyone but its staff, on Yume's own number (Organization.kind platform)
}


# Machines that compose another's task declarations: the owner's runs every staff task (coverage counts them once).
SAME_TASKS: dict[str, tuple[str, ...]] = {"OwnerFlow": ("StaffFlow",)}


def chat_for(role: str) -> type[Chat | CoreChat]:
    """The chat model (and so the machine) of a role."""
    return ROLE_CHATS[role]


def machines() -> dict[str, type[StateMachine]]:
    """Every distinct role machine, by class name (diagrams and coverage)."""
    found: dict[str, type[StateMachine]] = {}
    for chat in ROLE_CHATS.values():
        for flow in chat.flows():
            found.setdefault(flow.__name__, flow)
    return found


def flow_is_stale(conversation: Conversation, stale_minutes: int, now: datetime) -> bool:
    """A request left half-way longer than the business's `stale_flow_minutes` ago."""
    chat = chat_for(conversation.role)
    if not chat.expires or chat.at_rest(conversation.flow_state) or conversation.last_inbound_at is None:
        return False
    return now - conversation.last_inbound_at >= timedelta(minutes=stale_minutes)


def restart_flow(conversation: Conversation, expired: bool) -> None:
    """Back to rest, forgetting the half-collected request (remembering it expired, to say so)."""
    conversation.flow_state = None
    conversation.flow_data = FlowData(expired=expired).stored()
