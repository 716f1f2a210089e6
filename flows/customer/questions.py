"""What a customer asks about the business: prices, hours, the address, their appointments.

Answered at rest, in the middle of a request (then the pending question is asked again), and
beside a request in the same message («¿abren el domingo? quiero corte a las 12»). What only a
person can answer (a service the business does not offer, a complaint, a special price) goes to
the owner with the customer's number, and the chat is not paused.
"""

from __future__ import annotations

from flows.core import replies
from flows.core.chat import Component, Heard
from flows.core.describe import minutes_to_clock, service_info, week_hours
from flows.core.replies import Reply, ServiceInfo
from nlu.normalize import normalize
from nlu.understanding import Intent
from store.phones import display_phone


class BusinessQuestions(Component):
    """Answers about the business, and questions passed on to the owner."""

    async def answer(self, asked: Intent, heard: Heard) -> None:
        """Say the answer to one question the message asks."""
        chat = self.chat
        if asked == Intent.ASK_SERVICES:
            chat.say(self.prices(heard))
        elif asked == Intent.ASK_HOURS:
            chat.say(self.hours(heard))
        elif asked == Intent.ASK_LOCATION:
            chat.say(replies.address_answer(chat.business.name, chat.business.address))
            if not chat.business.address:
                self.tell_owner_question()
        elif asked == Intent.MY_APPOINTMENTS:
            infos = [await chat.info(a) for a in await chat.upcoming()]  # type: ignore[attr-defined]
            chat.say(replies.appointments_answer(infos, chat.today))

    def prices(self, heard: Heard) -> Reply:
        """The services named (each with its price), or the whole menu."""
        business = self.chat.business
        named = [business.service_named(name) for name in heard.slots.services or []]
        if heard.slots.service:
            named.append(business.service_named(heard.slots.service))
        found = [service_info(s) for s in named if s is not None]
        unique = list({info.id: info for info in found}.values())
        if len(unique) == 1:
            return replies.service_price(unique[0])
        if unique:
            return replies.services_prices(unique)
        return replies.services_answer(self.menu())

    def hours(self, heard: Heard) -> Reply:
        """One day's hours when a day was asked about, else the week's."""
        business = self.chat.business
        day = heard.slots.date
        if day is not None:
            ranges = [(minutes_to_clock(r.start), minutes_to_clock(r.end)) for r in business.day_hours(day)]
            return replies.hours_on_day(day, self.chat.today, ranges)
        return replies.hours_answer(week_hours(business.calendar.hours))

    def menu(self) -> list[ServiceInfo]:
        return [service_info(service) for service in self.chat.business.services]

    # -- what only a person can answer -----------------------------------------------------------

    def asks_what_we_do_not_offer(self, heard: Heard) -> bool:
        """A question about a service the business does not sell («¿hacen tintes?»)."""
        if not heard.text or heard.slots.service or heard.slots.services or heard.option_of("svc"):
            return False
        if heard.intent not in (Intent.ASK_SERVICES, Intent.BOOK, Intent.OTHER, Intent.INFORM):
            return False
        matcher = self.chat.business.catalog.matcher()
        return matcher.unknown_service_word(normalize(heard.text)) is not None

    def forward_to_owner(self) -> None:
        """Say what we know, pass the question on with the customer's number, keep helping."""
        chat = self.chat
        known = None
        if self.asks_what_we_do_not_offer(chat.heard):
            known = replies.services_menu(self.menu(), intro="Por ahora nuestros servicios son:")
        self.tell_owner_question()
        owner = chat.business.owner
        chat.say(replies.forwarded_to_owner(owner.name if owner else None, known))

    def tell_owner_question(self) -> None:
        chat = self.chat
        customer = chat.customer  # type: ignore[attr-defined]
        phone = display_phone(customer.phone) if customer.phone else None
        notice = replies.notice_question(customer.name, phone, chat.heard.text or "")
        for owner in chat.owners:
            chat.notify(owner, notice)


def sounds_like_a_request(heard: Heard) -> bool:
    """Something the NLU could not place but a person should read: a question or a sentence.

    A few letters («jaja», «asdf») are just not understood; a real sentence or a question (a
    complaint, a special price) goes to the owner instead of being answered by a guess.
    """
    text = (heard.text or "").strip()
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    return bool(words) and ("?" in text or len(words) >= 4)
