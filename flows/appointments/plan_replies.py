"""What Yume says about the plan (PRODUCT.md §3: 50 bookings a month on the free plan).

To the owner: at 40 and at 50 bookings of the month (`plan_warning`, `plan_limit_reached`), with
every request Yume could not book itself past the limit (`request_for_owner`), and a line for
«¿cómo nos fue este mes?» (`plan_usage_line`). To the customer past the limit: their request is
taken and the business confirms it (`request_taken`) — never a refusal. es-MX, "tú", short.
The rule and the counting are in scheduler/plan.py and scheduler/usage.py.
"""

from __future__ import annotations

from datetime import date, datetime

from flows.core import formatting as fmt
from flows.core.replies import Reply
from scheduler.plan import PlanUsage

def month_name(month: date) -> str:
    return fmt.MONTHS[month.month - 1]


def _upgrade(upgrade_url: str | None) -> str:
    if upgrade_url:
        return f"Para citas sin límite, cambia al plan de pago aquí: {upgrade_url}"
    return "Para citas sin límite, pídenos el plan de pago y lo activamos el mismo día."


def plan_warning(usage: PlanUsage, upgrade_url: str | None = None) -> Reply:
    """To the owner at 80 % of the limit (40 of 50)."""
    return Reply(
        text=(
            f"Aviso de tu plan: en {month_name(usage.month)} ya van {usage.used} de tus {usage.limit} citas gratis. "
            f"Te quedan {usage.remaining}. Si llegas al límite, yo sigo recibiendo las solicitudes y tú las confirmas. "
            + _upgrade(upgrade_url)
        )
    )


def plan_limit_reached(usage: PlanUsage, upgrade_url: str | None = None) -> Reply:
    """To the owner when the month's bookings reach the limit (50 of 50)."""
    return Reply(
        text=(
            f"¡Llegaste a tus {usage.limit} citas gratis de {month_name(usage.month)}! 🎉 "
            "Desde ahora, cuando un cliente me pida cita, le diré que el negocio le confirma en un momento "
            "y te paso su solicitud para que tú la agendes. " + _upgrade(upgrade_url)
        )
    )


def request_taken(name: str | None = None) -> Reply:
    """To the customer past the limit: the request is with the business (never a refusal)."""
    thanks = f"¡Gracias, {fmt.first_name(name)}!" if name else "¡Gracias!"
    return Reply(text=f"{thanks} Ya tengo tu solicitud: el negocio te confirma en un momento. 🙌")


def request_for_owner(
    *,
    customer: str | None,
    phone: str | None,
    service: str | None,
    start: datetime | None,
    today: date,
    usage: PlanUsage,
    upgrade_url: str | None = None,
) -> Reply:
    """To the owner: a customer's request Yume did not book because the month's limit was reached.

    `start` is in the business's timezone; `phone` as Mexicans read it (store.phones.display_phone).
    """
    customer = customer or "Un cliente"
    phone = phone or "sin teléfono"
    wanted = service or "una cita"
    if start is not None:
        wanted += f" {fmt.day_phrase(start.date(), today)} {fmt.at_clock(start)}"
    return Reply(
        text=(
            f"Solicitud de cita: {customer} ({phone}) quiere {wanted}. No la agendé porque este mes ya usaste "
            f"tus {usage.limit} citas gratis; le dije que el negocio le confirma en un momento. "
            "Agéndala tú (por ejemplo «agenda a " + fmt.first_name(customer) + "») o escríbele. "
            + _upgrade(upgrade_url)
        )
    )


def plan_usage_line(usage: PlanUsage) -> str:
    """One line for the owner's «¿cómo nos fue este mes?»."""
    if usage.limit is None:
        return f"Plan de pago: {usage.used} citas en {month_name(usage.month)}, sin límite."
    if usage.at_limit:
        return (
            f"Plan gratis: {usage.used} de {usage.limit} citas en {month_name(usage.month)}; "
            "las nuevas solicitudes te las paso a ti para que las confirmes."
        )
    return f"Plan gratis: {usage.used} de {usage.limit} citas en {month_name(usage.month)} (te quedan {usage.remaining})."
