"""What Yume says to a business signing up on Yume's own number. es-MX, "tú", warm, short, one question at a time."""

from __future__ import annotations

from collections.abc import Sequence

from flows.core import formatting as fmt
from flows.core.replies import Choice, Reply, ServiceInfo, offer

WELCOME = (
    "¡Hola! 👋 Soy Yume: con tu WhatsApp conectado, tus clientes agendan solos y tú ves tu agenda desde aquí. "
    "En unos minutos dejamos tu negocio listo."
)
DONE_TITLE = "Ya son todos"


def ask_business_name() -> Reply:
    return Reply(text="¿Cómo se llama tu negocio?")


def ask_owner_name(suggested: str | None) -> Reply:
    text = "¡Qué buen nombre! Y tú, ¿cómo te llamas?"
    if suggested and len(suggested) <= 20:
        return offer(text, [Choice(f"name:{suggested}", suggested)])
    return Reply(text=text)


def ask_first_service(owner: str) -> Reply:
    return Reply(
        text=(
            f"Mucho gusto, {fmt.first_name(owner)}. Ahora tus servicios: escríbeme uno por mensaje con su precio y "
            "cuánto dura, por ejemplo «Corte de cabello, 150, 45 min»."
        )
    )


def ask_next_service(saved: Sequence[ServiceInfo], note: str | None = None) -> Reply:
    lines = fmt.bullet_list([f"{s.name} – {fmt.money(s.price_cents)} ({fmt.duration(s.minutes)})" for s in saved])
    lead = f"{note}\n" if note else "Anotado ✓\n"
    return offer(
        f"{lead}{lines}\n¿Otro servicio? Cuando termines, toca «{DONE_TITLE}».",
        [Choice("done", DONE_TITLE)],
    )


def service_noted_already(name: str) -> str:
    return f"«{name}» ya está anotado."


def need_a_service() -> str:
    return "Necesito al menos un servicio para que tus clientes puedan agendar."


def ask_service_price(name: str) -> Reply:
    return Reply(text=f"¿Cuánto cuesta {name}?")


def ask_service_minutes(name: str) -> Reply:
    return Reply(text=f"¿Cuánto dura {name}? Por ejemplo «45 min» o «1 hora».")


def ask_first_hours(note: str | None = None) -> Reply:
    lead = f"{note} " if note else "¡Perfecto! Ahora tu horario. "
    return Reply(
        text=(
            f"{lead}¿Qué días y a qué hora abren? Por ejemplo «lunes a viernes de 10 a 8». "
            "Si algún día cambia, me lo dices en otro mensaje."
        )
    )


def ask_more_hours(week: Sequence[tuple[str, str]], note: str | None = None) -> Reply:
    lines = "\n".join(f"{days}: {hours}" for days, hours in week)
    lead = f"{note}\n" if note else "Anotado ✓\n"
    return offer(
        f"{lead}{lines}\n¿Algún otro día? Por ejemplo «sábado de 9 a 3». Si así está bien, toca «Así está bien».",
        [Choice("done", "Así está bien")],
    )


def which_days(hours: str) -> str:
    return f"¿Qué días abren de {hours}?"


def need_hours() -> str:
    return "Necesito al menos un día abierto para ofrecer horarios."


def ask_about_staff(first_time: bool, last_added: str | None = None) -> Reply:
    if first_time:
        return offer(
            "¿Trabaja alguien más contigo? Si me pasas su nombre y su WhatsApp, también podrá ver su agenda desde aquí.",
            [Choice("yes", "Sí, agregar"), Choice("no", "No, solo yo")],
        )
    return offer(
        f"Anotado ✓ {last_added}. ¿Alguien más?",
        [Choice("yes", "Sí, agregar"), Choice("no", "No, es todo")],
    )


def ask_staff_name() -> Reply:
    return Reply(text="¿Cómo se llama?")


def ask_staff_phone(name: str, note: str | None = None) -> Reply:
    lead = f"{note} " if note else ""
    return Reply(text=f"{lead}¿Cuál es el WhatsApp de {fmt.first_name(name)}?")


def phone_in_use(name: str) -> str:
    return f"Ese número ya es de {name}."


def signed_up(business: str, owner: str, link: str) -> Reply:
    return Reply(
        text=(
            f"¡Listo, {fmt.first_name(owner)}! Tu negocio, {business}, ya está dado de alta ✓\n\n"
            f"Último paso: conecta tu WhatsApp aquí 👉 {link}\n"
            "Te pedirá entrar con Facebook y elegir tu número; tarda unos 2 minutos. "
            "En cuanto termines, tus clientes ya pueden agendar por WhatsApp."
        )
    )


def link_reminder(business: str, link: str) -> Reply:
    return Reply(text=f"{business} ya casi está: solo falta conectar tu WhatsApp aquí 👉 {link}")


def already_connected(business: str) -> Reply:
    return Reply(
        text=(
            f"¡{business} ya está conectado ✓! Desde ahora escríbeme a tu propio número para ver tu agenda "
            "o cambiar servicios, horario y equipo."
        )
    )


def paused() -> Reply:
    return Reply(text="Va, lo dejamos aquí. Lo que ya me dijiste queda guardado; escríbeme cuando quieras y seguimos.")


def onboarding_help() -> Reply:
    return Reply(text="Perdón, no te entendí. Cuando quieras seguimos: escríbeme y retomamos donde íbamos.")
