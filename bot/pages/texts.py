"""Every sentence the web pages say (the chat's live in flows/): Spanish, "tú", short."""

from __future__ import annotations

from dataclasses import dataclass

from store.agenda_links import AGENDA_LINK_LIFETIME
from store.signup_links import SIGNUP_LINK_LIFETIME

ASK_YUME_AGAIN = "Escríbele a Yume por WhatsApp y te mandamos uno nuevo."
ASK_FOR_WEEK = "Escríbele a Yume «ver mi semana» por WhatsApp y te mando uno nuevo."


@dataclass(frozen=True)
class PageText:
    """What a message page says: a heading, a sentence, and what to do next."""

    title: str
    text: str
    hint: str | None = None

    @property
    def sentence(self) -> str:
        """The heading and the sentence as one line (for the signup page's status line)."""
        stop = "" if self.title.endswith(("!", ".", "?")) else "."
        return f"{self.title}{stop} {self.text}"


# ---- Embedded Signup (/connect/<token>) -----------------------------------------------------

SIGNUP_LINK_UNKNOWN = PageText(
    "No encontramos este enlace", "Revisa que lo hayas copiado completo, hasta el final.", ASK_YUME_AGAIN
)
SIGNUP_NOT_CONFIGURED = PageText(
    "Todavía no podemos conectar tu WhatsApp",
    "A Yume le falta un ajuste para hablar con Meta (Facebook). No es nada que hayas hecho tú.",
    "Avísale a quien te mandó este enlace. En cuanto lo arreglen, este mismo enlace va a funcionar.",
)
SIGNUP_STARTING = "Yume está iniciando; intenta en un momento."
SIGNUP_INCOMPLETE = "Faltan datos de la conexión. Intenta de nuevo."
SIGNUP_DONE = "¡Listo! Tu WhatsApp quedó conectado a Yume."
SIGNUP_META_REFUSED = "Meta no aceptó la conexión. Intenta de nuevo en unos minutos."
SIGNUP_NO_NUMBER = "No encontré un número de WhatsApp en tu cuenta. ¿Terminaste la conexión?"
SIGNUP_NUMBER_TAKEN = "Ese número ya está conectado a otro negocio en Yume."


def signup_link_used(business: str) -> PageText:
    return PageText(
        "¡Tu WhatsApp ya quedó conectado!",
        f"{business} ya está conectado a Yume. No tienes que hacer nada más: tus clientes ya pueden agendar "
        "por WhatsApp.",
        "Para ver tu agenda o cambiar servicios, horario y equipo, escríbele a tu propio número.",
    )


def signup_link_replaced(business: str) -> PageText:
    return PageText(
        "Este enlace ya fue reemplazado",
        f"Te mandamos un enlace más nuevo para conectar {business}. Usa el último que te llegó por WhatsApp.",
        "¿No lo encuentras? " + ASK_YUME_AGAIN,
    )


def signup_link_expired() -> PageText:
    return PageText(
        "Este enlace ya venció",
        f"Los enlaces para conectar WhatsApp duran {SIGNUP_LINK_LIFETIME.days} días, y este ya pasó.",
        ASK_YUME_AGAIN,
    )


# ---- The week agenda (/<org>/agenda?t=…) -----------------------------------------------------

AGENDA_NO_TOKEN = PageText(
    "Este enlace está incompleto", "Abre el enlace completo, tal como te lo mandó Yume por WhatsApp.", ASK_FOR_WEEK
)
AGENDA_UNKNOWN = PageText("Este enlace no es válido", "No es un enlace de agenda de este negocio.", ASK_FOR_WEEK)
AGENDA_EXPIRED = PageText(
    "Este enlace ya venció",
    f"Por seguridad, los enlaces de la agenda duran {int(AGENDA_LINK_LIFETIME.total_seconds() // 3600)} horas.",
    ASK_FOR_WEEK,
)
AGENDA_REVOKED = PageText("Este enlace se desactivó", "Alguien del negocio cerró los enlaces de esta agenda.", ASK_FOR_WEEK)
AGENDA_NOT_IN_TEAM = PageText(
    "Este enlace ya no funciona", "La persona a la que se lo mandamos ya no está en el equipo del negocio."
)
AGENDA_NO_APPOINTMENT = PageText(
    "No encontramos esa cita", "Puede que ya no esté en tu agenda.", "Vuelve a la semana para ver lo que sigue."
)
AGENDA_BAD_FORM = PageText(
    "No pudimos guardar el cambio",
    "La página estaba desactualizada. Vuelve a la semana y tócala otra vez.",
)
AGENDA_NOT_YOURS = PageText(
    "Esta cita no la puedes marcar",
    "Solo quien atiende la cita, o el dueño, puede marcarla, y solo cuando ya empezó.",
)
AGENDA_ALREADY_MARKED = PageText(
    "Esta cita ya estaba marcada", "Alguien ya la marcó (o se canceló) antes que tú.", "Vuelve a la semana para verla."
)
NAMELESS_CUSTOMER = "Cliente sin nombre"
