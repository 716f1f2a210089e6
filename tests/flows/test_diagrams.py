"""The committed flow diagrams match the machines, and every machine is in them."""

from __future__ import annotations

from pathlib import Path

from flows.devtools.coverage import machine_transitions
from flows.devtools.diagrams import expected_files, mermaid
from flows.roles import machines

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows"


def test_the_committed_mermaid_files_are_up_to_date() -> None:
    for name, content in expected_files().items():
        path = DOCS / name
        assert path.exists(), f"{path} is missing: run `yume diagrams`"
        assert path.read_text(encoding="utf-8") == content, f"{path} is out of date: run `yume diagrams`"


def test_a_diagram_shows_every_transition_with_its_guards() -> None:
    for machine in machines().values():
        diagram = mermaid(machine)
        assert diagram.startswith("stateDiagram-v2\n")
        arrows = [line for line in diagram.splitlines() if " --> " in line and " : " in line]
        assert len(arrows) == len(machine_transitions(machine))  # every declared transition, none merged
    customer = mermaid(machines()["CustomerFlow"])
    # Two routes from the booking's next step to the time question, each with its own guard.
    assert "next_booking_step --> choosing_slot : (automatic) [wants_earliest]" in customer
    assert "next_booking_step --> choosing_slot : (automatic) [not picked_free_time]" in customer
    # Repair declared once, on the compound state of every task.
    assert "busy --> chatting : gave_up" in customer and "state busy {" in customer
    assert "next_block_step --> confirming_block : (automatic) [block_collides, not block_answered]" in mermaid(machines()["StaffFlow"])


def test_the_graphviz_version_has_the_same_transitions() -> None:
    from flows.devtools.diagrams import graphviz

    for machine in machines().values():
        dot = graphviz(machine)
        assert dot.startswith(f"digraph {machine.__name__} {{") and dot.rstrip().endswith("}")
        assert dot.count(" -> ") == len(machine_transitions(machine)) + 1
