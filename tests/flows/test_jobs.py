"""The job registry: what `wait:` and the scheduler run."""

from __future__ import annotations

from flows.jobs import registry as jobs
from flows.core.drafts import FlowData
from flows.core.messages import OutboundMessage
from scheduler.clock import Clock
from store.database import Database
from store.models import Conversation
from tests.flows.conversation import open_chat


async def test_registered_jobs_run_in_order_and_a_failing_one_does_not_stop_the_rest(db: Database) -> None:
    chat = await open_chat(db)
    ran: list[str] = []

    @jobs.register_job("test_breaks")
    async def breaks(database: Database, clock: Clock) -> list[OutboundMessage]:
        ran.append("breaks")
        raise RuntimeError("boom")

    @jobs.register_job("test_sends")
    async def sends(database: Database, clock: Clock) -> list[OutboundMessage]:
        ran.append("sends")
        return [OutboundMessage(to="525598765432", text="Recordatorio")]

    try:
        sent = await jobs.run_due_jobs(db, chat.clock)
    finally:
        del jobs.JOBS["test_breaks"], jobs.JOBS["test_sends"]
    assert ran == ["breaks", "sends"] and [m.text for m in sent] == ["Recordatorio"]


async def test_stale_flows_are_put_to_rest_by_the_job_and_remembered_as_expired(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte mañana")
    chat.later(minutes=119)
    await jobs.run_due_jobs(db, chat.clock)
    [conversation] = await chat.rows(Conversation)
    assert conversation.flow_state == "choosing_slot"
    chat.later(minutes=2)
    await jobs.run_due_jobs(db, chat.clock)
    [conversation] = await chat.rows(Conversation)
    remembered = FlowData.restore(conversation.flow_data, lambda raw: None)
    assert conversation.flow_state is None and remembered.expired and remembered.draft is None
