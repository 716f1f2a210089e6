"""Which machine transitions a set of conversations exercised (a python-statemachine listener)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from statemachine import StateMachine
from statemachine.transition import Transition


def transition_label(transition: Transition) -> str:
    """ "next_booking_step -> choosing_slot : (automatic) [not picked_free_time]"; a transition that stays says "(stays)"."""
    event = " ".join(str(transition.event).split()) or "(automatic)"
    guards = ", ".join(_guard(str(cond)) for cond in transition.cond)
    target = transition.target.id if transition.target is not None else "(stays)"
    label = f"{transition.source.id} -> {target} : {event}"
    return f"{label} [{guards}]" if guards else label


def _guard(text: str) -> str:
    return f"not {text[1:]}" if text.startswith("!") else text


def machine_transitions(machine: type[StateMachine]) -> list[str]:
    """Every declared transition of a machine, in declaration order."""
    labels: list[str] = []
    for state in machine.states_map.values():
        for transition in state.transitions:
            if transition.initial:
                continue  # a compound state entering its first step: not a move anyone makes
            label = transition_label(transition)
            if label not in labels:
                labels.append(label)
    return labels


@dataclass(frozen=True)
class MachineCoverage:
    """How much of one machine ran."""

    name: str
    total: int
    covered: int
    missing: list[str]

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


class TransitionCoverage:
    """A listener: attach it to machines (Engine(listeners=[...])) and it records what ran."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = defaultdict(set)

    def after_transition(self, machine: StateMachine, event: str, transition: Transition) -> None:
        if event == "__initial__" or transition.initial:
            return
        self.seen[type(machine).__name__].add(transition_label(transition))

    def merge(self, other: TransitionCoverage) -> None:
        for name, labels in other.seen.items():
            self.seen[name] |= labels

    def report(
        self, machines: dict[str, type[StateMachine]], same_tasks: dict[str, tuple[str, ...]] | None = None
    ) -> list[MachineCoverage]:
        """Per machine: how many declared transitions ran, and which did not.

        `same_tasks`: machines composed of another's task declarations (the owner's runs every staff
        task): a transition both declare counts once it ran in either.
        """
        result = []
        for name, machine in machines.items():
            declared = machine_transitions(machine)
            seen = set(self.seen.get(name, set()))
            for other in (same_tasks or {}).get(name, ()):
                shared = set(machine_transitions(machines[other])) if other in machines else set()
                seen |= self.seen.get(other, set()) & shared
            missing = [label for label in declared if label not in seen]
            result.append(MachineCoverage(name, len(declared), len(declared) - len(missing), missing))
        return result
