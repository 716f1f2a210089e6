"""Which intent a normalized message expresses: cue patterns per intent, in priority order.

Patterns match `nlu.normalize.normalize` output (lower case, no accents but ñ, WhatsApp spelling
expanded, numbers as digits). Only the intents of the writer's role are tried, so a customer who
writes "bloquea mañana" is never read as blocking time. Slots are not read here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nlu.understanding import Intent, Role, intents_for


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_STAFF_NOUN = r"emplead[oa]s?|barber[oa]s?|estilistas?|manicuristas?|colaborador(?:a|es)?|trabajador(?:a|es)?|compañer[oa]s?|companer[oa]s?|staff|chalan|peluquer[oa]s?|ayudante|pedicurista"
_PERSON_NOUN = r"alguien|(?:un |una )?(?:cliente|clienta|señor|señora|senor|senora|persona|chavo|chava|niño|niña|nino|nina|joven|muchacho|muchacha|caballero|dama|chico|chica|morro|morra|cuate|señorita)"

INJECTION = _rx(
    r"\b(?:ignora|ignore|olvida|olvidate de|omite|salta)\b.{0,30}\b(?:instrucciones|reglas|indicaciones|prompt|anteriores|anterior)\b",
    r"\b(?:nuevo rol|rol|role)\s*:?\s*(?:de )?(?:admin\w*|dueño|dueno|owner|sistema|root|desarrollador)\b",
    r"\bsystem\b\s*:",
    r"\bsystem prompt\b",
    r"\binstrucci(?:on|ones) del sistema\b|\bmensaje del sistema\b",
    r"\b(?:actua|actuar|haz de cuenta que eres|finge que eres|finge ser|ahora eres|eres ahora)\b.{0,30}\b(?:admin\w*|dueño|dueno|desarrollador|sistema|owner|root)\b",
    r"\bmodo (?:desarrollador|admin|dios|debug)\b",
    r"\bjailbreak\b",
    r"\b(?:lista|datos|telefonos|numeros) de (?:todos )?(?:los |tus )?(?:otros )?clientes\b",
)
_HUMAN_NOUN = (
    r"(?:(?:el|la|un|una|al)\s+)?(?:alguien|persona|humano|humana|dueño|dueña|dueno|duena|encargad[oa]|asesor|asesora|agente|"
    r"jefe|jefa|gerente|responsable|patron|patrona|señorita|empleado)(?:\s+(?:real|de verdad))?"
)
HUMAN = _rx(
    r"\b(?:hablar|platicar|comunicarme|comunicame|contactar|pasame|pasas|pasarme|pasan|comuniqueme|conectame|contactame|"
    rf"comunicas|comunica)\s+(?:con|a|al)\s+{_HUMAN_NOUN}\b",
    rf"\b(?:me )?(?:puede|pueden|podria|podrian|quiero que me) (?:atender|atienda|llamar|llame|contestar|conteste)\s+{_HUMAN_NOUN}\b",
    rf"\bpasame al?\s+{_HUMAN_NOUN}\b",
    r"\b(?:atencion|persona) (?:humana|real)\b",
    r"\bquiero (?:un|una) (?:humano|persona)\b",
    r"\bque me (?:llame|atienda|conteste|marque|hable) (?:alguien|una persona|el dueño|el encargado|la encargada|una persona real)\b",
    r"\bno quiero hablar con (?:un |una )?(?:bot|robot|maquina|contestadora)\b",
    r"\b(?:me|nos) (?:marcan|marcas|llaman|llamas|pueden marcar|pueden llamar|puedes marcar|puedes llamar|podrian marcar|podrian llamar|"
    r"podrias marcar|podrias llamar|regresan la llamada)\b(?! (?:como|la|el|al|a la|lo|los|las|que|de|ocupad\w*|libre|falta))"
    r"|\b(?:marquenme|llamenme|marcame|llamame|hablenme)\b(?! (?:como|la|el|al|ocupad\w*|libre))",
    r"\b(?:hablar|platicar|pasame|pasas|comunicame|comunicas) con (?:alguien|una persona|un humano)(?: de verdad| real| de carne y hueso)?\b",
    r"\b(?:el|este) (?:bot|robot|sistema|programa) no (?:me )?(?:entiende|sirve|ayuda)\b",
    r"\b(?:eres|es) (?:un )?(?:bot|robot|maquina)\s*\?",
)
# Phrases that abandon what is going on; alone (with courtesy words) they are `stop`.
STOP_PHRASE = re.compile(
    r"\b(?:olvidalo|olvida lo|olvidate|olvida eso|dejalo asi|dejalo ahi|dejalo (?:para|pa) (?:otro dia|otra ocasion|otra vez|despues|luego|la otra)|dejalo|ahi muere|ahi lo dejamos|ya no quiero nada|"
    r"ya no quiero|ya no es necesario|ya no|mejor no|no importa|cancela eso|cancelalo|cancelar|cancela|salir|mejor luego|"
    r"mejor despues|lo dejamos(?: asi| para (?:otro dia|despues|luego))?|dejemoslo(?: asi)?|luego te escribo|despues te escribo|luego te aviso|despues te aviso|luego veo|despues veo|luego lo veo|despues lo veo|ahorita lo veo|luego checo|despues checo|dejame pensarlo|lo pienso|"
    r"mejor otro dia|dejalo (?:para|pa) (?:otro dia|otra ocasion|otra vez|despues|luego|la otra)|basta|stop|alto)\b"
)
STOP_ANYWHERE = _rx(
    r"\bolvidalo\b", r"\bolvida lo\b", r"\bahi muere\b", r"\bdejalo asi\b", r"\bya no quiero nada\b",
    r"^(?:no\s*,?\s*)?(?:mejor )?ya no quiero\s*[.!]*$",
)

RESCHEDULE = _rx(
    r"\b(?:reagend\w*|reprogram\w*|pospon\w*|recalendariz\w*)\b",
    r"\b(?:cambi\w*|mover|mueve\w*|muev\w*|moverla|moverlo|recorr\w*|adelant\w*|atras\w*|pasar|pasa|pasarla|pasamela|pasen)\b"
    r"(?:\s+\w+){0,3}?\s+(?:(?:mi|la|su|esa|esta|el|de) )?(?:cita|citas|turno|fecha|reservacion)\b",
    r"\b(?:cambiar|cambia|cambiame|cambio|cambiamos) (?:la |el )?(?:hora|dia|fecha) de (?:mi|la|su) cita\b",
    r"\b(?:cambiar|cambiame|cambia|mover|muevo|recorrer|recorreme)(?:me)? (?:la|el) (?:hora|dia|fecha)\b",
    r"\b(?:me la|la|me lo|lo) (?:dejas|dejan|pasas|pasan|cambias|mueves) (?:para|al|a)\b",
    r"\b(?:me la|me lo|la|lo|nos la)\s+(?:cambias|cambian|puedes cambiar|pueden cambiar|podrias cambiar|mueves|puedes mover|recorres|"
    r"pasas|puedes pasar|adelantas|atrasas|cambiarias|recorren)\b",
    r"\b(?:moverla|moverlo|cambiarla|cambiarlo|recorrerla|pasarla|adelantarla|atrasarla)\b",
    r"\b(?:cambiar|cambia|cambiarla|mover|moverla|recorrer|recorrerla|pasar|pasarla)(?:la|lo)? (?:a|para) "
    r"(?:mas tarde|mas temprano|otro dia|otra hora|otro horario|otra fecha)\b",
    r"\b(?:cambi\w*|mueve|muev\w*|pasa|recorre)(?:le)? la (?:cita|de las?)\b",
    r"\b(?:pasa|pasale|pasalo|pasala|pasar|pasame|mueve|muevele|muevelo|muevela|mueveme|recorre|recorrele|recorrelo|recorreme|"
    r"cambia|cambiale|cambialo|cambiame|adelanta|adelantale|atrasa|atrasale|retrasa|retrasale) (?:al|a la|el|la|a) (?:de|del) (?:las?|la|mañana|hoy)\b",
    # «atrasa media hora al de las 3», «adelántale una hora a la de las 5».
    r"\b(?:adelanta|adelantale|atrasa|atrasale|retrasa|retrasale|recorre|recorrele)\s+(?:(?:media|una|\d+)\s+(?:hora|horas|minutos|min)\s+)"
    r"(?:al|a la|a)\s+(?:de|del)\s+(?:las?|la)\b",
    r"\b(?:adelanta|adelantale|atrasa|atrasale|retrasa|retrasale|recorre|recorrele)\s+(?:a\s+)?(?:la |el |don |doña |señora |señor )?[a-zñ]+\s+"
    r"(?:media|una|\d+)\s+(?:hora|horas|minutos|min)\b",
    r"\bpasa(?:me|le|la)? (?:la|mi|su) cita\b.*\b(?:al|para|a las?)\b",
    r"\b(?:lo|la) (?:paso|muevo|cambio|recorro|pasamos|movemos|cambiamos|recorremos|pasas|mueves)\b",
    r"\b(?:pasamela|pasamelo|muevemela|muevemelo|cambiamela|cambiamelo|recorremela|pasala|muevela|cambiala|recorrela)"
    r" (?:al|para|a|pa)\b",
    r"\b(?:la|lo|me la|nos la|se la) (?:pasamos|movemos|cambiamos|recorremos|podemos pasar|podemos mover|podemos cambiar|"
    r"podriamos pasar|podriamos mover|podriamos cambiar)\b",
    r"\b(?:se puede|podemos|puedo|podria) (?:pasar|mover|cambiar|recorrer)(?:la|lo)? (?:para|a|al)\b",
    r"\b(?:mueve|muevele|mueveme|pasa|pasale|pasame|cambia|cambiale|cambiame|recorre|recorrele|recorreme|reagenda|reagendale)"
    r"\s+a\s+(?:la\s+|el\s+)?(?:señora\s+|señor\s+|don\s+|doña\s+)?(?!las?\b|alguien|una persona|un humano)[a-zñ]+\s+(?:del?|para|al|a la|a las)\b",
    r"\b(?:quiere|quieren|quisiera|necesita|pidio) (?:cambiar|mover|pasar|recorrer|reagendar)\b",
    r"\bme (?:cambias|mueves|pasas|recorres|puedes cambiar|puedes mover|puedes pasar|podrias cambiar|podrias mover)\s+(?:para|pa|al|a la|a las)\b",
    r"\b(?:mover|mueve|muevo|muevas|cambiar|cambia|cambio|cambies|pasar|pasa|paso|pases|recorrer|recorre)(?:me|le)?\b(?:\s+\w+){0,2}?\s+(?:mi|la|el|su)\s+(?!horarios?\b|precios?\b|bloqueos?\b|duracion\b|nombre\b|servicio\b)[a-zñ]+"
    r"\s+(?:del?|para|pa|al)\s+(?:el |la )?(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|mañana|hoy|\d)",
    r"\b(?:pasa|pasame|pasale|mueve|mueveme|muevele|cambia|cambiame|cambiale|recorre|recorreme)\s+(?:la|el|lo|mi cita)\s+(?:del?|de la)\s+\w+\s+(?:al|para el|pal|a la|a las)\b",
    r"\b(?:pasalo|pasala|muevelo|muevela|cambialo|cambiala|recorrelo|recorrela) (?:a|al|para) (?:las?|el|mañana|hoy|otro|otra)\b",
    # "¿puedo ir el sábado en vez del viernes?": another day instead of the one booked.
    r"\b(?:en vez|en lugar|envez)(?: de| del)(?: el| la)? (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|mañana|hoy|pasado mañana|las? \d)\b",
)
CANCEL = _rx(
    r"\bcancel\w*\b",
    r"\banul(?:ar|a|en)\b",
    r"\bya no (?:quiero|necesito|ocupo|voy a querer|voy a ocupar|voy a necesitar|voy a usar) (?:la|mi|el) (?:cita|turno|corte|reservacion|lugar)\b",
    r"\b(?:quita|quitar|borra|borrar|elimina|eliminar)(?:me|r|le)? (?:la|mi|su) cita\b",
)
# Can't make it, without saying whether to cancel or move (docs/nlu.md): cancel and reschedule cues win.
CANT_MAKE_IT = _rx(
    r"\b(?:no|ya no) (?:creo )?(?:voy|vamos|va) a (?:poder )?(?:ir|llegar|asistir|acudir|alcanzar|poder|llegarle)\b",
    r"\b(?:no|ya no) (?:creo )?(?:podre|podremos|puedo|podemos|puede|podria) (?:ir|llegar|asistir|acudir|llegarle)\b",
    r"\b(?:no|ya no) (?:creo )?(?:alcanzo|llego|llegamos|llegare|alcanzare|alcanzamos)\b(?! a (?:entender|ver|leer))",
    r"\bno (?:creo )?(?:alcanzar|llegar|poder ir|poder llegar|poder)\b",
    r"\bno (?:la|lo) (?:voy a hacer|hago|hare|voy a lograr|logro)\b",
    r"\bno (?:voy|vamos) a llegar\b|\bno la armo\b",
    r"\bme (?:salio|surgio|cayo|atraveso) (?:un|una|algo|otro|otra)\b",
    r"\b(?:surgio|tengo|tuve|me salio) (?:un|una) (?:imprevisto|emergencia|pendiente|compromiso|junta|problema|contratiempo)\b",
    r"\bse me (?:complico|atraveso|cruzo|hizo tarde|junto)\b",
    r"\bsiempre no (?:puedo|podre|voy a poder)\b|\bno (?:puedo|podre) (?:el|este|ese|mañana|hoy|pasado)\b",
    r"\b(?:no me va a dar|no me da) (?:tiempo|chance)\b",
)
MY_APPOINTMENTS = _rx(
    r"\b(?:cuando|a que hora|que dia|que hora|para cuando|para que dia|para que hora) (?:es|era|tengo|fue|quedo|seria|sera) (?:mi|la|mis) citas?\b",
    r"\bmis citas\b",
    r"\b(?:tengo|tendre|tenia) (?:alguna |una )?citas?\b",
    r"\b(?:a que hora|que dia|para cuando|cuando|para que dia) (?:quede|quedo mi|quedamos|me toca)\b",
    r"\b(?:que|cuantas|cuales) citas tengo\b",
    r"\bmi cita (?:sigue|esta|quedo|es|de)\b",
    r"\b(?:si|ya) quedo (?:mi|la) cita\b",
    r"\b(?:me )?(?:recuerdas|confirmas|recuerda|confirma|dime|repites) (?:a que hora|cuando|que dia)?\s?(?:es|era)? ?(?:mi|la hora de mi|el dia de mi) cita\b",
    r"\bestoy agendad[oa]\b|\bquede agendad[oa]\b",
    r"\bque tengo agendado\b",
    r"\b(?:todavia|aun|sigo|si) (?:tengo|teniendo|sigue|esta|quedo|tienen|me guardan) (?:en pie )?(?:mi|el|la) (?:lugar|cita|espacio|turno|reservacion)\b",
    r"\b(?:tengo|sigue|sigo con) (?:mi|el) (?:lugar|espacio|turno)\b",
    r"\bsigue (?:en pie|firme|vigente) (?:mi|la) (?:cita|reservacion)\b|\bmi cita sigue\b",
)
MY_SCHEDULE = _rx(
    r"\bque tengo\b",
    r"\ba que hora (?:es|entra|llega|viene) (?:el|la|mi) (?:primer[oa]?|ultim[oa])\b(?! (?:dia|semana|mes))",
    r"\btengo algo\b",
    r"\btengo (?:libre|espacios?|huecos?|chance|lugar(?:es)?|tiempo libre)\b",
    r"\b(?:que|a quien|quien) (?:me toca|tengo|sigue)\b",
    r"\bmi agenda\b",
    r"\bmis (?:citas|clientes|pendientes)\b",
    r"\bque sigue\b",
    r"\bcual es (?:mi )?siguiente\b",
    r"\bcuant[oa]s (?:citas|clientes) tengo\b",
    r"\bcuant[oa]s \w+ (?:hice|he hecho|llevo|atendi|he atendido)\b",
    r"\bmi (?:siguiente|proxima) cita\b",
    r"\bcomo (?:estoy|voy|tengo (?:el dia|la agenda)|me veo|ando|vengo|viene mi dia|va mi dia|esta mi dia)\b(?! (?:a|al|para|pa) )",
    r"^agenda (?:de |del |para )?(?:hoy|mañana|pasado mañana|el|la)\b",
    r"\bque tengo agendado\b",
    r"\b(?:a que hora|cuando|con quien|quien) (?:es|sigue|tengo|va|viene|me toca) (?:mi |el |la )?(?:siguiente|proxim[oa]|que sigue)\b",
    r"\b(?:mi|el|la) (?:siguiente|proxim[oa])(?: (?:cita|cliente|clienta|turno))?\s*\?",
    r"\b(?:tengo|hay) (?:chamba|trabajo|gente|clientes|citas|pendientes)\b",
    r"\b(?:mandame|pasame|enviame|dame|muestrame|ensename) (?:mi|mis) (?:agenda|citas|dia|pendientes|clientes)\b",
    r"\ba quien (?:atiendo|me toca|tengo)\b",
    r"\ba que hora (?:entro|salgo|empiezo|termino|abro|me toca|llego|tengo que llegar)\b",
    r"\bcuant[oa]s (?:me faltan|me quedan|tengo|llevo|van|me tocan)\b",
    r"\bcuant[oa]s \w+(?: \w+)? (?:tengo|me faltan|me quedan|me tocan)\b",
    r"\b(?:como|que tal) (?:tengo|viene|va|ando|estoy|se ve|pinta|esta|anda) (?:mi |el |la )?(?:dia|semana|agenda|mañana|hoy|lunes|martes|miercoles|jueves|viernes|sabado|domingo|tarde)\b",
    r"\bque tal (?:esta|va|viene|anda|se ve|pinta) mi\b",
    r"\bcomo (?:tengo|viene|vengo)\b",
    r"\btengo (?:a )?alguien\b",
    r"\b(?:mandame|pasame|enviame|dame|muestrame) la agenda\b",
    r"\bque onda con (?:mi|el|la)\b",
)
# Only staff and owners talk about their own free time; a customer saying "estoy libre" gives a day.
STAFF_FREE = _rx(
    r"\b(?:estoy|ando|quedo) (?:libre|desocupad[oa])\b|\bcomo estoy\b",
    r"\bque hay (?:pa|para) mi\b",
    r"\b(?:me queda|me quedan|tengo|hay) (?:algo|algun|alguna|un|espacio|hueco|chance|tiempo|lugar)(?: \w+)? (?:libre|disponible|desocupad[oa])\b",
    r"\bme (?:queda|quedan) (?:algo|espacio|hueco|chance|tiempo|lugar|libre)\b",
    r"\bque me (?:queda|quedan|falta|faltan|toca|tocan)\b",
    r"\b(?:hay|tengo) (?:algo|alguien|citas?|clientes?) (?:pa|para) mi\b",
    r"\bmi (?:primera|primer|ultima|ultimo) (?:cita|cliente|clienta|turno|servicio)\b",
    r"\bno tengo (?:nada|citas|a nadie|clientes|ninguna cita|ningun cliente)\b",
    r"\bde las? \d{1,2}\b.*\bya (?:llego|vino|esta aqui|confirmo|aviso)\b.*\?|\bya (?:llego|vino|esta aqui|confirmo|aviso)\b.*\bde las? \d.*\?",
    r"\b(?:a que hora|cuando) (?:tengo|es|me toca|llega|viene) (?:la|el|mi) (?:primer|primera|ultima|ultimo|siguiente|proxim[oa])\b",
    r"\bcuant[oa] (?:gente|trabajo|chamba|clientela) (?:tengo|me toca|me queda|me falta|hay (?:pa|para) mi)\b",
    r"\bquien (?:viene|llega|sigue|me toca)\b|\bcon quien (?:sigo|me toca|sigue)\b",
    r"\b(?:me )?(?:llego|entro|cayo|agendaron|metieron) (?:alguien|algo|una cita|alguna cita|otra cita|algun cliente)\b",
    r"\b(?:a que hora|cuando|con quien) (?:entro|salgo|acabo|termino|empiezo|abro|cierro)\b",
)
# "¿qué sigue?", "¿a qué hora es mi siguiente?": only the next appointment, not the day (`next_only`).
NEXT_ONLY = _rx(
    r"\b(?:que|quien|quienes) (?:sigue|siguen|viene|me toca|toca)\b",
    r"\b(?:mi|el|la|cual es (?:mi|el|la)?) ?(?:siguiente|proxim[oa])\b(?! (?:semana|mes|lunes|martes|miercoles|jueves|viernes|sabado|domingo|dia|año))",
    r"\ba quien (?:atiendo|me toca|tengo) (?:ahorita|ahora|luego|despues)\b",
    r"\bcon quien (?:sigo|me toca)\b",
    r"\b(?:a )?quien (?:le )?toca\b|\b(?:que|cual|quien) (?:cliente|clienta|cita|persona) (?:sigue|viene|toca|me toca)\b",
    r"\b(?:y )?(?:luego|despues) quien\b|\bsiguiente (?:cliente|clienta|cita|persona)\b",
    r"\b(?:hay|tengo) (?:a )?(?:alguien|algo|alguna cita) despues de (?:este|esta|ese|esa|el|la)\b(?! (?:de las|a las|\d))",
)
# "ver mi semana", "mándame el link de la agenda": the week's agenda as a web page (docs/nlu.md).
WEEK_PAGE = _rx(
    r"\bver (?:mi|la|toda la) semana\b",
    r"\b(?:agenda|semana|calendario|citas)(?: \w+){0,3} en (?:la )?(?:web|pagina|internet|linea|navegador|compu|computadora|laptop)\b",
    r"\b(?:link|liga|enlace|url|pagina|vinculo)\b.{0,25}\b(?:agenda|semana|calendario|citas)\b",
    r"\b(?:link|liga|enlace|url)\b.{0,25}\b(?:ver|checar|revisar)\b.{0,20}\b(?:pagina|web|compu|navegador|todo)\b",
    r"\b(?:agenda|semana|calendario)\b.{0,15}\b(?:link|liga|enlace|url|pagina web)\b",
    r"\bmi semana\s*$|\bla semana completa\b|\btoda mi semana\b",
)
BUSINESS_SCHEDULE = _rx(
    r"\b(?:agenda|citas|calendario) (?:del negocio|de todos|general|completa|del salon|de la barberia|del local|del equipo|de la estetica|de todo el equipo)\b",
    r"\bcomo (?:esta|estamos|viene|va|anda|se ve|pinta) (?:el dia|la agenda|el negocio|el salon|la barberia|el local|la estetica|"
    r"la semana|el sabado|el viernes|hoy|mañana|pasado mañana|el equipo)\b",
    r"\bcomo (?:estamos|vamos|andamos) (?:de citas|para|el|hoy|mañana|pasado)\b",
    r"\bquien (?:anda|esta|queda|sigue) (?:libre|desocupad[oa]|disponible)\b|\bhay alguien (?:libre|desocupad[oa]|disponible)\b",
    r"\bcuant[oa]s (?:tenemos|hay)\b(?! (?:clientes nuevos|cancelaciones|noshows?))",
    r"\bcomo (?:esta|viene|se ve) (?:el |la )?\w+ (?:en|para) (?:el salon|la barberia|el local|la estetica|el negocio)\b",
    r"\bquien (?:esta libre|tiene espacio|tiene lugar|puede atender|esta disponible|esta desocupad[oa])\b",
    r"\b(?:cuantas|que) citas (?:hay|tenemos)\b",
    r"\bque hay (?:para )?(?:hoy|mañana)\b",
    r"\btodas las citas\b",
)
BLOCK_TIME = _rx(
    r"\bbloque\w*\b",
    r"\bcierra(?:me)? (?:mi agenda|la agenda|el dia|mi dia|mi horario|de)\b",
    r"\b(?:cierrame|cierrale|cierrenme) (?:el|la|los|hoy|mañana|toda|todo|lunes|martes|miercoles|jueves|viernes|sabado|domingo|de|desde)\b",
    r"\bcerrar mi agenda\b",
    r"\bno (?:me |le |les )?(?:agendes|agenden|pongas|pongan|des|den|metas|metan) (?:a nadie|nada|citas|clientes|ninguna cita)\b",
    r"\bno voy a (?:estar|venir|trabajar)\b",
    r"\bno (?:vengo|estare|trabajo)\b",
    r"\bvoy a salir (?:de|a las|temprano|el|un rato)\b",
    r"\bme voy a tomar\b|\bme tomo (?:el|la)\b",
    r"\b(?:dame|quiero) (?:el dia|la tarde|la mañana) libre\b",
    r"\bapartame (?:de|las|el|la|toda|todo)\b",
    r"\b(?:marca|ponme|pon)(?:me)? (?:como )?ocupad[oa]\b|\bme (?:marcas|pones|pongas|marques) (?:como )?ocupad[oa]\b",
    r"\bno estoy disponible\b",
    r"\bme voy de (?:vacaciones|viaje|incapacidad)\b|\b(?:de|mis|por) (?:vacaciones|incapacidad)\b|\bvacaciones\s*$",
)
# Removing a block (extension intent `unblock`, docs/nlu.md): «desbloquea el jueves», «quita el bloqueo de las 3»,
# «ya no bloquees el viernes», «libera mi tarde del martes», «abre la agenda de Pedro», «siempre sí vengo el sábado».
# Things one opens or frees that are not an agenda: «ábreme la puerta», «libérame la caja».
_THING = (
    r"(?:la |el |los |las |mi |su )?(?:puertas?|caja|cortinas?|local|reja|llaves?|cajon|luz|agua|estacionamiento|baño|sillas?|"
    r"estacion|tienda|salon|barberia|estetica|negocio|bodega|cuarto|lavabo|tarja|sistema|app|whats|chat|cel|celular|telefono|compu|computadora)\b"
)
_BLOCK_NOUN = r"bloqueos?|bloquead[oa]s?|bloqueadito|lo (?:que )?(?:le |les |me |te )?(?:bloque\w*|apartado|aparte)|el bloque|el apartado"
UNBLOCK = _rx(
    r"\bdesbloque\w*\b|\bdes ?bloqu\w*\b",
    rf"\b(?:quit\w*|borr\w*|elimin\w*|cancel\w*|remuev\w*|remover|levant\w*|liber\w*|desha\w*|deshacer|anul\w*|ya no (?:va|quiero|necesito|ocupo))\b"
    rf".{{0,25}}\b(?:{_BLOCK_NOUN})\b",
    r"\b(?:ya no|siempre no|mejor no|no) (?:me |le |lo |la |les )?(?:bloquees|bloquee|bloqueen|bloques|bloquear|bloquea)\b",
    r"\b(?:ya no|siempre no) (?:hace falta|es necesario|ocupo|necesito) (?:el |que )?bloque\w*\b",
    r"\bliber(?:a|ame|ale|alo|ala|en|ar|amos)\s+(?:mi|mis|la|el|su|sus|toda|todo|los|las|de nuevo|otra vez|lo|ese|esa|esos|esas|este|esta|eso|esto)\b"
    rf"(?!\s+{_THING})",
    r"\b(?:abre|abreme|abrele|abran|abrir|reabre|reabrir|vuelve a abrir|vuelveme a abrir|volver a abrir|habilit\w*|reactiv\w*|activa|activame|activale)"
    r"\s+(?:de nuevo |otra vez )?(?:mi|la|su|el|los) ?(?:agenda|horario|dia|espacio|espacios|citas)\b",
    # «ábreme la tarde», «abre otra vez mi lunes», «ábrele el viernes a Pedro»: reopening part of a day (never «abrimos»).
    r"\b(?:abre|abreme|abrele|abranme|reabre|reabreme|vuelve a abrir|vuelveme a abrir|vuelvele a abrir)\s+(?:de nuevo |otra vez )?"
    r"(?:mi|mis|la|el|los|las|ese|esa|su|sus|toda|todo)\s+(?:(?:la|el|mi|su|de)\s+)?"
    r"(?:tarde|mañana|noche|hueco|huecos|espacio|rato|horas?|lunes|martes|miercoles|jueves|viernes|sabado|domingo)\b",
    r"\b(?:abrelo|abrela|abremelo|abremela|abreselo|abresela|liberalo|liberala|liberamelo|liberamela)\b",
    # The errand a block was for is off: «ya no voy al doctor», «siempre no voy a ir a la junta» (not «a la cita»).
    r"\b(?:ya no|siempre no|al final no)\s+(?:voy|voy a ir|va a ir|tengo que ir|tiene que ir)\s+(?:al|a la|a mi|a su)\s+(?!cita\b|mi cita\b|su cita\b|poder\b|venir\b|trabajar\b|llegar\b|estar\b|salon\b|local\b|trabajo\b|negocio\b|barberia\b|estetica\b|chamba\b)[a-zñ]+",
    # «siempre no, quita lo de la comida»: the block named by what it was for.
    r"\b(?:quita|quitame|quitalo|borra|borrame|cancela|cancelame|elimina)\s+lo (?:de|del)\s+(?:la |el |mi |las |los )?"
    r"(?:comida|comer|lunch|doctor|dentista|medico|banco|junta|tramite|vacaciones|consulta|seguro|imss|escuela|permiso|descanso|cumple\w*)\b",
    # «ponme disponible otra vez el martes», «ya estoy disponible el sábado», «regrésame el jueves a la agenda».
    r"(?<!no )\b(?:ponme|ponle|ponlo|ponla|vuelve a poner(?:me|le)?|vuelveme a poner|dejame|marcame|marcale|ya estoy|ya esta|"
    r"estoy de nuevo|ya vuelvo a estar)\s+(?:otra vez |de nuevo )?disponibles?\b",
    r"\b(?:regresame|regresale|devuelveme|devuelvele)\s+(?:mi|mis|la|el|los|las|su|sus)\s+(?:[a-zñ]+\s+)?"
    r"(?:tarde|mañana|noche|hueco|huecos|espacio|horas?|dia|lunes|martes|miercoles|jueves|viernes|sabado|domingo)\b",
    # Taking back a day off: «siempre no voy a faltar el lunes», «ya no ocupo el jueves libre».
    r"\b(?:ya no|siempre no|al final no) (?:voy a faltar|falto|me voy a ausentar|me ausento|me tomo|me voy a tomar|voy a tomar)\b",
    r"\b(?:ya no|siempre no) (?:ocupo|necesito|quiero|voy a necesitar|pido)\s+(?:el|la|los|mi|este|esta)\s+(?:[a-zñ]+\s+){0,2}(?:libre|libres|de descanso|off)\b",
    r"\b(?:ya no|siempre no) (?:tengo|hay|tiene) (?:la |el |mi |su )?(?:junta|consulta|cita (?:con|en|del|de la)|doctor|dentista|medico|tramite|evento|compromiso|pendiente)\b",
    r"\b(?:siempre si|al final si|siempre sí|siempre siempre si|mejor si) (?:vengo|voy a venir|voy|trabajo|voy a trabajar|estoy|voy a estar|puedo ir|puedo venir|viene|va a venir|trabaja)\b",
)
MARK_NO_SHOW = _rx(
    r"\bno (?:llego|vino|se presento|aparecio|asistio|se aparecio|se paro)\b",
    r"\bnunca (?:llego|vino|aparecio)\b",
    # «la de las 11 ni llegó», «el de las 10 me quedó mal», «Sandra me dejó esperando».
    r"\bni (?:llego|vino|aparecio|se aparecio|se presento)\b|^(?:(?:el|la) de las? \S+|(?:don |doña |la señora |el señor )?(?!hoy\b|ayer\b|mañana\b|eso\b|esto\b|todo\b)[a-zñ]+) me (?:quedo|quedaron) mal\s*[.!]*$|\bme (?:dejo|dejaron) (?:esperando|colgad[oa])\b",
    r"\bme (?:dejo|dejaron) plantad[oa]\b|\bme plant(?:o|aron)\b",
    r"\bnoshow\b",
    r"\bfalto a su cita\b",
    r"\bno ha (?:llegado|venido|aparecido|dado señales)\b|\b(?:ponle|ponele|marcale|pon) (?:falta|inasistencia|no ?show)\b",
    r"(?<!me )(?<!nos )(?<!le )(?<!te )(?<!les )\b(?:falto|faltaron)\b(?! (?:tiempo|poco|algo|nada|dinero|mucho|un|una|el|la|por|para))",
    r"\b(?:no (?:se )?(?:asomo|aparecio|presento|llego nunca|dio señales)|ni sus luces|no hubo ni sus luces|me (?:dejo|dejaron) colgad[oa])\b",
)
MARK_COMPLETED = _rx(
    r"\bya (?:termine|acabe|quedo|se fue|lo atendi|la atendi|atendi|esta list[oa]|quedo list[oa])\b",
    r"\bya (?:termino|acabo|terminamos|acabamos|terminaron|acabaron|se fueron|quedaron|salio|se atendio)\b",
    r"\b(?:termine|acabe) (?:con|el|la|de)\b",
    # «ya despaché al de las 10», «ya cumplí con el de las 11», «ya pagó y se fue la señora Ochoa».
    r"\bya (?:despache|cumpli|atendi|libere|saque) (?:a|al|a la|con)\b|\bya (?:pago|pagaron) y se (?:fue|fueron)\b",
    r"^(?:listo|lista|terminado|terminada) (?:el|la|con)\b",
    r"\bmarca(?:lo|la|me|le)? (?:como )?(?:completad[oa]|terminad[oa]|hech[oa]|atendid[oa]|list[oa])\b",
    r"\bcomplet(?:e|ada|ado)\b",
)
WALK_IN = _rx(
    rf"\b(?:acaba de llegar|acaban de llegar|acaba de entrar|acaban de entrar|llego|vino|viene|esta aqui|tengo aqui|hay|entro|paso)"
    rf" (?:a )?(?:{_PERSON_NOUN})\b",
    r"\bsin cita\b",
    rf"\b(?:llegaron|llego|entraron|entro|vinieron|se metio|se acaba de meter|se acaban de meter|esta esperando|estan esperando)"
    rf" (?:aqui )?(?:un|una|dos|tres|\d|otro|otra|unos|unas)? ?(?:{_PERSON_NOUN}|morros|morras|chavos|chavas|clientes|señores|señoras|niños|personas)\b",
    r"\bwalkin\b",
    rf"\b(?:trajeron|trajo|traen|trae|me trajeron|nos trajeron)\s+(?:a\s+)?(?:un|una|dos|tres|\d|otro|otra|unos|unas|el|la|los|las)?\s*(?:{_PERSON_NOUN}|niños|niñas|chavos|chavas|señores|señoras)\b",
    rf"\btengo (?:a )?(?:un|una) (?:cliente|clienta|señor|señora|chavo|chava|niño|niña|persona|muchach[oa]|joven) aqui\b",
    r"\bde pasada\b",
)
CUSTOMER_HISTORY = _rx(
    r"\b(?:ha|habia|ya habia|ya ha) (?:venido|estado)\b",
    r"\bya vino antes\b|\bvino antes\b|\bha venido antes\b",
    r"\bes (?:cliente|clienta) (?:nuev[oa]|frecuente|de aqui)\b",
    r"\bhistorial\b",
    r"\bcuantas veces (?:ha venido|vino|ha estado)\b",
    r"\bque se ha hecho\b|\bque se hizo\b|\bque servicios se (?:ha|hizo|hace)\b|\b(?:la|por|su) ultima vez\b|\bcuando vino\b",
    r"\bya es client[ea]\b|\b(?:es|era) client[ea] (?:nuestr[oa]|de aqui|de nosotros)?\s*\?",
    r"\b(?:busca|buscame|checa|checame|revisa|revisame)\s+(?:al|a la|el|la)?\s*(?:cliente|clienta|numero|telefono)\b",
    r"\bque (?:se )?(?:hace|suele hacer|pide|se corta) (?:normalmente|siempre|usualmente|de costumbre|por lo general)\b",
    r"\b(?:es|era) nuev[oa]\s*\?|\bes (?:la )?primera vez que viene\b|\bviene por primera vez\b",
    r"\bultima vez que vino\b",
    r"\bque (?:servicio|servicios|corte|tinte|color) (?:se )?(?:hizo|hace|pidio|llevo|le hice|le hicimos|le hicieron)\b",
    r"\bque (?:le|se) (?:hice|hizo|hicimos|hicieron|puse|puso|pusimos|corte|corto|cortamos|pinte|pinto|pintamos|aplique|aplico)\b.{0,30}\b(?:vez pasada|ultima vez|otra vez|la vez|antes)\b",
    r"\b(?:cada cuando|con que frecuencia|seguido) (?:viene|vino|va|nos visita)\b|\bviene (?:seguido|muy seguido|cada)\b",
    r"\b(?:es|era) (?:cliente|clienta) (?:de antes|de siempre|conocid[oa]|regular)\b|\bes (?:cliente|clienta) nuev[oa]\b",
)
_JOINER = r"chavo|chava|muchacho|muchacha|chico|chica|morro|morra|señor|señora|persona|niña|chamaco|chamaca"
ADD_STAFF = _rx(
    rf"\b(?:agreg\w*|añad\w*|anad\w*|da(?:r|le|la|lo)? de alta|registr\w*|mete|meter|sumar|suma|contrat\w*|incorpor\w*|alta (?:a|de))\b.*\b(?:{_STAFF_NOUN})\b",
    rf"\b(?:nuev[oa]) (?:{_STAFF_NOUN})\b|\b(?:{_STAFF_NOUN}) nuev[oa]\b",
    rf"\b(?:entro|entra|empezo|empieza|empezara|llego|se une|se unio|tenemos|contrate|contratamos)(?: a trabajar)?(?: con nosotros)? (?:un|una|otro|otra) (?:{_JOINER}) nuev[oa]\b",
    r"\b(?:entro|entra|empieza|empezo|empezara) a trabajar (?:con nosotros|aqui|en el (?:salon|local|negocio)|el|mañana|hoy)\b",
    r"\bse (?:une|unio|suma|sumo|integra|integro|incorpora|incorporo)\b.{0,30}\b(?:al equipo|con nosotros|a trabajar|al salon|a la barberia)\b|\bnuev[oa] (?:en el equipo|integrante|compañer[oa]|companer[oa])\b",
    r"\b(?:agrega|agregame|registra|da de alta|dar de alta|añade|anade|mete)\s+a\s+(?:un|una)\s+(?:persona|chavo|chava|muchach[oa])\b",
    r"\b(?:agrega|agregame|registra|da de alta|dale de alta|añade|anade|mete|metele|suma|inscribe)\s+a\s+[a-zñ]+\b.*\b(?:hace|sabe hacer|va a hacer|hara|puede hacer|su cel|su numero|su whats|su telefono)\b",
    r"^(?:(?:oye|y|ahora)\s*,?\s+)?(?:la|el) nuev[oa]\s+(?:se llama|es)\b.*\b(?:hace|sabe hacer|va a hacer|su cel|su numero|su whats|su telefono)\b",
    r"\b(?:da|dale|dar) de alta a\b",
    r"\b(?:agreg\w*|añad\w*|anad\w*|sum\w*|mete\w*|meter|registr\w*|integr\w*) (?:a )?(?:alguien|una persona|gente|otra persona|otro|otra|personal)"
    r" (?:al|a mi|a nuestro|en el) (?:equipo|salon|negocio|staff|personal|local)\b",
    r"\b(?:contrate|contratamos|contratare|contrataremos|voy a contratar|vamos a contratar|acabo de contratar|acabamos de contratar|contrata|contratame|contraten|contratale)\s+a\s+(?!la\b|el\b)",
    rf"\b(?:contrate|contratamos|entra|entro|empieza)\s+(?:a\s+)?(?:un|una)?\s*(?:{_JOINER})?\b.*\b(?:hace de todo|se llama|manicurista|barbero|estilista|{_STAFF_NOUN})\b",
)
REMOVE_STAFF_VERB = re.compile(
    r"\b(?:quit\w*|elimin\w*|borr\w*|da(?:r|le|la|lo)? de baja|saca\w*|despid\w*|despedi\w*|corri|corre|desactiv\w*)\b"
)
REMOVE_STAFF = _rx(
    rf"\b(?:quit\w*|elimin\w*|borr\w*|da(?:r)? de baja|saca\w*|despid\w*|despedi\w*|desactiv\w*)\b.{{0,20}}\b(?:al |a la )?(?:{_STAFF_NOUN})\b",
    r"\bya no (?:trabaja|va a trabajar|labora|forma parte|esta con nosotros)\b",
    r"\b(?:quit\w*|elimin\w*|borr\w*|saca\w*|da(?:r|le)? de baja)\b.{0,25}\b(?:del equipo|de la lista|del sistema|de la nomina|de los (?:empleados|barberos|estilistas|trabajadores))\b",
    r"\bse (?:fue|salio|va) del (?:equipo|negocio|salon)\b|\brenuncio\b",
)
# "Rodrigo ya no viene, quítalo": a colleague leaving (the flow asks which when no one is named).
REMOVE_STAFF_LEAVING = _rx(
    r"\bya no (?:viene|va a venir|vendra|esta|va a estar|labora|trabaja|trabajara|sigue|seguira|va a seguir)\b"
    r"(?! (?:a (?:su|la) cita|mañana|hoy|el|la|a las))",
    r"\bse (?:va|fue|sale|salio|nos deja|nos dejo) (?:a fin de (?:mes|semana|quincena)|del (?:salon|negocio|equipo|local)|de aqui|para siempre)\b",
)
REMOVE_STAFF_PRONOUN = re.compile(
    r"\b(?:quitalo|quitala|sacalo|sacala|borralo|borrala|eliminalo|eliminala|dalo de baja|dala de baja|desactivalo|desactivala|"
    r"quitalo de la lista|bajalo|(?<!de )(?<!abrir )(?<!abrimos )(?<!abre )(?<!trabajar )(?<!trabajamos )corrido(?! de \d| hasta| desde)|lo corri|la corri|lo despedi|la despedi)\b"
)
SET_HOURS = _rx(
    r"\b(?:cambi\w*|modific\w*|actualiz\w*|ajust\w*|nuevo|pon|ponle|mueve)\b.{0,20}\bhorarios?\b",
    r"\bhorarios? (?:nuevo|de (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|entre semana|los|fin))\b",
    r"(?<!que hora )\b(?:abrimos|abriremos|abro|abrire|cerramos|cerraremos|cierro|cerrare|descansamos|vamos a abrir|vamos a cerrar|no trabajamos|trabajamos|vamos a trabajar)\b",
    r"\bno (?:hay|habra|vamos a dar|damos|va a haber) servicio\b",
    r"\b(?:seguimos|estamos|vamos a estar|permanecemos|seguiremos) (?:sin abrir|cerrados)\b|\bno vamos a trabajar\b",
    r"\b(?:estamos|nos vamos|vamos a estar|nos tomamos|tomamos|salimos) de vacaciones\b",
)
ADD_SERVICE = _rx(
    r"\b(?:agreg\w*|añad\w*|anad\w*|crea\w*|da(?:r)? de alta|mete|meter|sumar|incluir|incluye|(?<!año )nuevo|nueva)\b.{0,25}\bservicios?\b",
    r"\b(?:vamos a|queremos|quiero|voy a|empezamos a|empezaremos a) (?:ofrecer|dar|empezar a (?:hacer|dar|ofrecer)|hacer tambien)\b",
    r"\b(?:ofreceremos|ahora ofrecemos)\b|\b(?:ahora )?tambien (?:damos|hacemos|ofrecemos|manejamos)\b(?=.*(?:\$ ?\d|\d+ (?:pesos|varos|minutos|min|horas?)\b))",
    r"\b(?:servicio nuevo|nuevo servicio)\b",
)
# "agrega planchado de cabello, 300 pesos, 45 min": adding something with a price or a length is a service.
ADD_SOMETHING_PRICED = re.compile(
    r"^(?:(?:oye|por favor|porfa|ahora|tambien|y|quiero|queremos|hay que|voy a|vamos a)\s*,?\s+)*(?:agrega|agregale|agregar|añade|añadir|anade|mete|meter|da de alta|dar de alta|dale de alta|"
    r"registra|incluye|suma|crea|nuevo\s*:|nueva\s*:|alta\s*:|(?:queremos|quiero|vamos a|voy a) (?:dar|hacer|manejar|meter))\s+(?!a\s|al\s|como\s)(?:el |la |un |una )?[a-zñ].*"
    r"(?:\$ ?\d|\d+ (?:pesos|varos|minutos|min|horas?)\b|\bhora y media\b|\bmedia hora\b|\buna hora\b|\b(?:en|a) \d{2,5}\s*(?:,|$))"
)
UPDATE_SERVICE = _rx(
    r"\b(?:sub\w*|baj\w*|cambi\w*|actualiz\w*|ajust\w*|pon|ponle|ponlo|aument\w*|modific\w*)\b.{0,40}\b(?:precio|cuesta|cobr\w*|vale|dura|duracion|minutos|pesos|tiempo|horas?|hora y media|media hora|\d{2,})\b",
    r"\bahora (?:cuesta|cuestan|cobra|cobran|cobramos|vale|valen|dura|duran|sale|salen|es de|son de|tarda|tardan|va a costar|va a durar)\b",
    r"\b(?:va a|ahora va a|vamos a) (?:costar|cobrar|valer|salir en|durar)\b",
    r"\b(?:sube|subele|subelo|baja|bajale|bajalo|aumenta|aumentale)\b.*\d",
    r"^(?:y )?que (?:el|la|los|las) [a-zñ+ ]{2,30}? (?:dure|duren|cueste|cuesten|salga|salgan|valga|valgan|tarde|tarden|quede en|queden en)\b",
    r"\bque (?:ahora )?(?:sea|sean|quede|queden|este|salga|salgan) (?:de|en|a) \$?\d{2,5}\b",
    r"\bque (?:dure|duren|cueste|cuesten|salga|salgan|valga|valgan|tarde|tarden|se tarde|se tarden|cobre|cobremos|quede en|queden en)\b",
    r"\b(?:cobra|cobrale|cobren|cobrenle|cobramos|vamos a cobrar|hay que cobrar)\s+\$?\d{2,5}\b",
    r"\bya (?:cuesta|cuestan|vale|valen|cobra|cobramos|sale|salen|dura|duran|es de|esta en|queda en)\b.{0,12}\d",
    r"\b(?:dejalo|dejala|ponlo|ponla|queda|quedaria|quedalo)\s+(?:en|a)\s+\$?\d{2,5}\b",
    r"^(?:el|la|los|las)\s+[a-zñ+ ]{2,30}?\s+(?:en|a)\s+\$?\d{2,5}\s*(?:pesos)?\s*$",
    r"\bya no (?:cuesta|vale|cobra)\b|\bahora (?:en )?\$?\d{2,5}\b",
    r"\b\$ ?\d+|\d+ pesos\b",
    # A new price or duration said plainly, often from a start day: «desde diciembre el tinte cuesta 600», «a partir de
    # enero la barba sale en 120», «el peinado desde el martes dura hora y media».
    r"^(?!.*\?)(?!.*\bcuanto\b).*\b(?:cuesta|cuestan|vale|valen|sale en|salen en|sale a|salen a|cobramos|se cobra|quedan? en|quedan? a) \$?\d{2,5}\b",
    r"\b(?:desde|a partir de?l?)\b.*\s(?:\$ ?\d{2,5}|\d{3,5}|\d{2,5} (?:pesos|varos))\s*[.!]*$",  # «el corte de caballero desde enero 180»
    r"\b(?:dura|duran|tarda|tardan|se tarda) (?:\d|una hora|hora|media hora|unos \d)",
    r"^(?:desde|a partir de)\b.*\b(?:en|a) \$?\d{2,5}\s*(?:pesos|varos)?\s*$",
    r"^(?:desde|a partir de)\b.*\b(?:en|a) \d{1,3} ?(?:min|mins|minutos|hrs?|horas?)\s*$",  # «a partir de mañana la barba en 30 min»
)
STATS = _rx(
    r"\bcomo nos (?:fue|va|ha ido)\b",
    r"\bcomo (?:va|fue|estuvo|vamos|van|les fue)(?: (?:el negocio|la semana|el mes|hoy|las ventas))?\b",
    r"\bcuanto (?:vendimos|ganamos|facturamos|hicimos|sacamos|se vendio|entro|llevamos|ingreso|generamos|se gano|cobramos|se cobro|juntamos|hemos (?:vendido|ganado|cobrado|sacado|hecho))\b",
    r"\bcuanto (?:dejo|dejaron|ha dejado|han dejado|genero|generaron|produjo|produjeron|facturo|facturaron|saco|sacaron|"
    r"vendio|vendieron|gano|ganaron|se hizo|se saco|se facturo|nos dejo|nos dejaron|entro de)\b",
    r"\b(?:ventas|ingresos|ganancias|estadisticas|metricas|reporte|resumen|balance|corte de caja)\b",
    r"\bcuantas citas (?:tuvimos|hubo|hicimos|llevamos|se hicieron|tenemos en|van)\b",
    r"\bcuant[oa]s (?:clientes|noshows?|faltas|cancelaciones) (?:tuvimos|hubo|vinieron|atendimos|llevamos|van)\b",
    r"\bcuant[oa]s (?:\w+ )?no (?:vinieron|llegaron|se presentaron|asistieron|llegaron a su cita)\b",
    r"\bcomo (?:nos|me) (?:fue|ha ido|va|esta yendo) (?:en|este|el|la|esta|con)\b",
    r"\bcuant[oa]s \w+(?: \w+){0,3} (?:hicimos|tuvimos|atendimos|vendimos|se hicieron|salieron|hubo|llevamos|"
    r"se cancelaron|cancelaron|van|hizo|hicieron|atendio|vinieron)\b",
    r"\bcomo le (?:fue|va|ha ido) a\b",
    r"\b(?:mas|menos) (?:vendid[oa]s?|pedid[oa]s?|solicitad[oa]s?|popular(?:es)?|ocupad[oa]s?|flojos?)\b.*\b(?:en|este|esta|el|la|del)\b"
    r"|\bcual (?:fue|ha sido|es) (?:el|la) (?:servicio|dia|barbero|estilista|mejor dia|peor dia)\b",
    r"\bcuant[oa]s (?:clientes nuevos|cancelaciones|noshows?|faltas)\b",
    r"\bquien (?:hizo|vendio|atendio|tuvo|saco|trabajo|cobro|genero|facturo) mas"
    r" (?:servicios|cortes|citas|clientes|clientas|ventas|dinero|lana|tintes|barbas|este|esta|en|hoy|ayer|el mes|la semana)\b"
    r"|\bquien (?:fue|es) (?:el|la) que mas (?:vendio|hizo|atendio|trabajo|saco|cobro)\b",
    # An owner's pay and commission questions (docs/nlu.md): «cuánto le toca a Pedro de comisión».
    r"^(?!.*\bpropinas?\b).*(?:\bcomision(?:es)?\b|\bcuanto le (?:toca|tocan|corresponde|pago|pagamos|tengo que pagar) a\b)",
    r"\b(?:numeros|cifras|cuentas) (?:del?|de la|de este|de esta)\b",
    r"\bcuant[oa] (?:lana|dinero|varo|feria|billete|plata|efectivo) (?:entro|ha entrado|hicimos|sacamos|ganamos|se hizo|se saco|"
    r"llevamos|juntamos|cayo|ha caido|dejo|nos dejo)\b",
    # «¿qué servicio se vende más?», «qué servicio deja más», «cuál es el servicio que más sale».
    r"^(?=.*\bmas\b).*\b(?:que|cual(?:es)?) (?:es el |son los )?servicios? (?:es el |son los )?(?:que )?(?:mas )?(?:se )?"
    r"(?:vende|venden|vendio|vendieron|sale|salen|salio|deja|dejan|dejo|pide|piden|pidio|pidieron|jala|jalan|mueve|mueven)\b",
    # «¿quién es el que más vende?», «¿qué día se vende más?», «¿a qué hora viene más gente?».
    r"\bquien (?:es (?:el|la) que |fue (?:el|la) que )?(?:mas (?:vende|vendio|saca|saco|factura|facturo|cobra|cobro|trabaja|trabajo)|"
    r"(?:vende|saca|factura|cobra|trabaja) mas)\b",
    r"^(?=.*\bmas\b).*\b(?:que|cual(?:es)?) (?:es el |fue el |son los )?(?:dias?|horas?|horarios?|mes|semana) (?:es el |fue el |son los )?(?:que )?"
    r"(?:mas )?(?:se )?(?:vende|venden|vendemos|vendimos|vendio|trabajamos|trabaja|viene|vienen|llega|llegan|jala|sale|hay (?:mas )?(?:gente|clientes|citas|trabajo|chamba))\b",
    # «¿qué día es el más flojo?», «¿a qué horas se llena más?», «¿cuándo vendemos más?» (not a free slot: «hay más espacio»).
    r"^(?=.*\b(?:mas|menos)\b).*\b(?:que|cual(?:es)?) (?:dias?|horas?|horarios?|mes|semana|quincena) (?:es|son|fue|fueron|estuvo) "
    r"(?:el|la|los|las) (?:mas|menos)\b",
    r"^(?!.*\b(?:espacio|lugar|libre|disponible|hueco)\b)(?=.*\bmas\b).*\b(?:cuando|a que horas?|en que (?:dias?|horarios?|horas?)) "
    r"(?:es cuando )?(?:vendemos|se vende|se llena|se llenan|hay mas|se junta|viene|vienen|llega|llegan|trabajamos|tenemos mas)\b",
    # «¿qué tal octubre?», «qué tal la semana»: how a period went.
    r"^(?:y )?que tal (?:nos fue |estuvo |les fue |va |van |vamos )?(?:(?:en )?(?:el|la|este|esta) )?(?:mes|semana|quincena|año|finde|fin de semana|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b(?: (?:pasad[oa]|antepasad[oa]))?\s*[?!.]*$",
    # «¿cómo cerramos noviembre?», «cómo terminamos la semana»: how a period ended, not a closure.
    r"\bcomo (?:cerramos|terminamos|acabamos|cerro|termino|quedamos|salimos)(?: (?:el|la|este|esta))? (?:mes|semana|año|quincena|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b",
    # «¿cuánto lleva Lupita esta quincena?» (a colleague's figures; «cuánto lleva el tinte» is a duration).
    r"\bcuanto (?:lleva|llevan|ha vendido|ha sacado|ha hecho|ha ganado|ha cobrado|ha facturado|han vendido|han sacado)"
    r"(?! (?:a|el|la|los|las|un|una|hacer|hacerse|tardar|durar|de tiempo|tiempo|en)\b) [a-z]+",
)
ASK_LOCATION = _rx(
    r"\b(?:direccion|ubicacion|maps|google maps)\b",
    r"\bdonde (?:estan|esta|queda|quedan|se ubican|los encuentro|se encuentran|es|los veo|estan ubicados|andan)\b",
    r"\bcomo (?:llego|le llego|les llego|llegar)\b",
    r"\ben que (?:calle|parte|colonia|zona|esquina)\b",
    r"\bpor donde (?:estan|queda|quedan)\b",
    r"\bubicados\b",
    r"(?<! a )\bdomicilio\b|\b(?:sucursal|sucursales|entre que calles|a que altura|que referencias?)\b|\bcerca de (?:que|donde)\b",
    r"\b(?:estan|quedan|se ubican|se encuentran) (?:por|en|cerca de|cerca del) (?:el|la|los|metro|[a-zñ]+)\b",
)
ASK_HOURS = _rx(
    # "¿qué horarios tienes libres mañana?" asks for openings (book), not the opening hours.
    r"(?<!que )\bhorarios?\b(?! (?:libres?|disponibles?|(?:tienes|tienen|hay|te quedan|les quedan) (?:libres?|disponibles?|para|mañana|hoy|el)))",
    r"\ba que hora (?:abren|cierran|abre|cierra|habren|empiezan|terminan|inician|estan|trabajan|atienden)\b",
    r"\bhasta que hora\b|\bdesde que hora\b",
    r"\bque horarios? (?:tienen|manejan|tienes|hay|dan)\s+(?:entre semana|los (?:lunes|martes|miercoles|jueves|viernes|sabados|domingos|fines)|"
    r"en (?:fin de semana|fines de semana)|de (?:lunes|atencion))\b",
    r"\b(?:abren|abre|cierran|cierra|trabajan|atienden|estan abiertos|esta abierto|hay servicio|dan servicio)\b.{0,25}"
    r"\b(?:hoy|mañana|domingos?|sabados?|lunes|martes|miercoles|jueves|viernes|festivos?|fin de semana|fines de semana|el \d+|ahorita|todavia|aun|entre semana)\b",
    r"\b(?:estan|esta|siguen|sigue|seguiran) abiert[oa]s?\b|\bya (?:cerraron|abrieron)\b",
    r"\bque dias (?:abren|trabajan|atienden|estan)\b",
    r"^(?:abren|trabajan|atienden)\b",
    r"\b(?:abren|cierran)\b",
)
ASK_SERVICES = _rx(
    r"^(?:y )?cuanto (?:el|la|los|las|por|un|una|seria el|seria la)\b",
    r"^(?:y )?a como (?:el|la|los|las|sale|salen|esta|estan|cobran|es)\b|\ben cuanto (?:sale|salen|esta|estan|queda|me sale|me queda)\b",
    r"\bcuanto (?:cuesta|cuestan|cobran|cobras|cobro|cobramos|le cobro|les cobro|le cobramos|sale|salen|es|son|vale|valen|seria|me sale|me cobras|me cobran|esta|estan|me cuesta|me costaria|costaria|dura|duran|tarda|tardan|se tarda|se tardan|se tardan en|se hace|se hacen|tiempo (?:dura|duran|tarda|tardan|toma|se tarda|se tardan))\b",
    r"\b(?:que incluye|que trae|en que consiste|que lleva|incluye|incluyen)\b",
    r"\b(?:tienen|hay|dan|hacen|manejan) servicio\b",
    r"\b(?:precio|precios|costo|costos|tarifa|tarifas)\b",
    r"\bque (?:servicios|mas hacen|hacen|ofrecen|manejan)\b|\bservicios\b",
    r"\b(?:catalogo|menu)\b",
    r"\bcuanto\s*[?!.]*\s*$",
)
ASKS_ABOUT_SERVICE = re.compile(
    r"\b(?:hacen|haces|tienen|tienes|manejan|ofrecen|dan|cortan|arreglan|hay|trabajan|ponen|aplican|depilan|maquillan|peinan|pintan|"
    r"alacian|planchan|enchinan|delinean|tiñen|tinen)\b"
)
COMPLAINT = _rx(
    r"\b(?:venden|vendes|productos?|shampoo|champu|pomada)\b",
    r"\bque (?:me )?(?:recomiendas|recomiendan|recomienda|sugieres|sugieren)\b.{0,20}\b(?:para|pa|pal) (?:el |la |mi )?(?:pelo|cabello|piel|caspa|barba|uñas)\b",
    r"\b(?:quedo|quedó|salio|esta) (?:horrible|mal|feo|fatal|chueco|disparejo)\b",
    r"\b(?:queja|pesimo|mal servicio|no me gusto|me cobraron de mas|me cobraron mas|disparejo|mal hecho|trasquilado)\b",
)
# Out of the bot's scope whatever question word carries them: payments aside, the premises, promotions, jobs,
# social media, lost things; for staff and owners the shop's chores (rent, supplies, pay, keys, meetings).
OFF_TOPIC = re.compile(
    r"\b(?:wifi|internet|baño|baños|banos|sanitarios?|estacionamiento|estacionar\w*|mascotas?|perr[oa]s?|gatos?|promocion\w*|promos?|"
    r"descuentos?|cupon\w*|tarjetas? de regalo|gift ?cards?|certificados? de regalo|propinas?|factura\w*|recibos?|vacantes?|contratando|"
    r"(?:busco|buscan|ocupan|necesitan) (?:trabajo|chamba|empleo|gente|personal|barbero|estilista)|instagram|facebook|tiktok|redes sociales|"
    r"pagina web|contraseña|password|logo|renta|la luz|el agua|llaves|toallas|secadora|"
    r"proveedor\w*|inventario|trabajar con ustedes|trabajar (?:aqui|ahi|alla)|curriculum|mi cv|solicitud de (?:empleo|trabajo)|"
    r"(?:numero|telefono|cel|celular|whats|whatsapp|correo|email) (?:de|del) (?!la cita|mi cita)|se me olvido (?:mi|una|un|el|la)|olvide (?:mi|una|un)|perdi (?:mi|una|un)|"
    r"objetos? perdidos)\b"
)
# An errand for the shop, not an appointment: «compra tinte rubio», «hay que pagar la renta el viernes».
CHORE = re.compile(
    r"^(?:(?:oye|porfa|ahora|tambien|y)\s*,?\s+)*(?:hay que |tengo que |tenemos que |acuerdate de |recuerdame |no se te olvide )?"
    r"(?:compra|comprar|compren|compramos|pagar|pagale|paga|pide|pidele|pedir|encarga|encargar|surte|surtir|limpia|limpiar|barre|barrer|"
    r"arregla la|arreglar la|llama al|llamale al|revisa la|revisar la)\b"
)
# Out of scope even when a service is named: animals, advice on a style.
OFF_TOPIC_ANYWAY = re.compile(
    r"\b(?:mascotas?|perr[oa]s?|perrit[oa]s?|gatos?|gatit[oa]s?)\b|\b(?:me )?(?:recomiendas|recomiendan|recomienda|sugieres|sugieren|aconsejas|aconsejan)\b"
)
# An owner's bills are not stats: «¿cuánto pago de luz este mes?».
BILLS = re.compile(r"\b(?:de|la) luz\b|\b(?:el|de) agua\b|\b(?:la|de) renta\b|\b(?:el|de) gas\b|\bel predial\b|\bimpuestos\b")
# With a day or time, these questions ask for that slot ("¿se puede el viernes a las 3?").
ASKS_FOR_SLOT = re.compile(r"\b(?:se puede|se podra|se podria|puedo|podre|podria|tienes|tienen|tendras|hay)\b")
BOOK_NOUN = re.compile(r"\b(?:cita|citas|turno|reservacion|reserva|espacio|lugar|chance|hueco|cupo|disponibilidad|disponible|disponibles|libre|libres)\b")
BOOK_VERB = _rx(
    r"\b(?:agendar|(?<!la )(?<!tu )(?<!su )(?<!mi )agenda|agendame|agendarme|agende|agendas|agendan|agendo|agendarte|agendale|reservar|reservame|reservo|reserva|"
    r"apartar|aparta|apartame|apartarme|aparto|anotar|anota|anotame|anotarme|anotas|apuntar|apunta|apuntame|apuntarme|apuntas|"
    r"sacar cita|hacer (?:una )?cita)\b",
    r"\b(?:me|nos) (?:puedes|pueden|podrias|podrian|podras|podran) (?:atender|recibir|dar cita|agendar|apartar)\b",
    r"\b(?:me|nos) (?:atienden|atiendes|recibes|reciben)\b",
    r"\b(?:puedo|podemos|podria|quiero|quisiera|queria|quisieramos) (?:ir|pasar|llegar|caer|ir a)\b",
    r"\b(?:tienes|tienen|tendras|tendran|hay) algo\b",
    r"\b(?:tienes|tienen|tendras|tendran|hay|se puede|puedes|pueden|podras)\s*\?",
    r"\b(?:me|nos) (?:das|dan|darias|puedes dar|podras dar|podrás dar) (?:chance|lugar|espacio|cita|un espacio|un lugar)\b",
    r"\bme (?:podras|podrias|puedes) dar cita\b",
    r"\b(?:quiero|quisiera|necesito|ocupo|dame|agendame|apartame) otra(?: cita)?\b(?! cosa)",
    r"\bcon (?:cualquiera|quien sea|el que (?:este|sea)|la que (?:este|sea))\b",
    r"\b(?:quiero|quisiera|me haces|hazme|ponme|agendame|apartame|dame)\s+(?:lo de siempre|lo mismo(?: de siempre| de la otra vez| que la otra vez)?|lo de la otra vez)\b",
)
# The earliest opening (docs/nlu.md `asap`): "lo antes que se pueda", "lo primero que tengas".
ASAP = _rx(
    r"\blo (?:antes|mas pronto|mas rapido|mas temprano|mas proximo|mas cercano|primero|mas luego)"
    r" (?:posible|que se (?:pueda|puede)|que (?:puedas|puedan|tengas|tengan|haya|hay|este|esten|se tenga|se pueda|salga))\b",
    r"\b(?:que|cual) es lo (?:mas )?(?:proximo|pronto|cercano|primero)\b",
    r"\blo (?:mas )?(?:proximo|pronto|cercano|antes)\s*(?:\?|$)",
    r"\blo (?:primero|mas temprano) (?:que|posible)\b|\blo que (?:tengas|tengan|haya|este libre)\b",
    r"^(?:pues |cuando |lo que |para cuando )?(?:cuando|donde) (?:tengas|tengan|haya|se pueda|puedas|puedan)(?: (?:espacio|lugar|chance|libre))?\s*[.!]*$",
    r"\b(?:cuanto antes|a la de ya|de volada|urgente|me urge|lo mas pronto|el primer (?:espacio|lugar|hueco|horario|turno)(?: (?:libre|disponible|que (?:tengas|tengan|haya)))?)\b",
    r"\b(?:el|la) (?:mas )?(?:proxim[oa]|cercan[oa]) (?:que|disponible|libre|cita)\b",
    r"\b(?:primera|primer) (?:hora|cita) (?:libre|disponible|que (?:tengas|tengan|haya))\b",
)
# «a la misma hora»: the hour of the appointment talked about (extension slot `same_time`).
SAME_TIME = re.compile(
    r"\b(?:(?:a|en|con) (?:la|el) )?(?:misma hora|mismo horario|misma hr|mismo hora|misma horita|igual hora|mismo turno)\b"
    r"|\b(?:a|en) la misma\s*(?:[?.!]|$)|\ba la misma de (?:siempre|antes|hoy)\b"
)
# "¿tienen lugar hoy?": today's earliest opening (`asap` with `date` = today).
ASAP_TODAY = re.compile(
    r"^(?=.*\b(?:hoy|ahorita|ahora|ahorititita|en este momento)\b)(?:.*\b(?:tienen|tienes|hay|habra|tendras|tendran|alcanzo|"
    r"alcanzaria|queda|quedan) (?:lugar|espacio|chance|cupo|hueco|citas?|turno|algo)\b"
    r"|.*\b(?:me|nos) (?:pueden|puedes|podrian|podrias) (?:atender|recibir)\b)"
)
WANT = re.compile(
    r"\b(?:quiero|quisiera|queria|me gustaria|necesito|ocupo|busco|me urge|me hace falta|me quiero|quiero hacerme|"
    r"me puedes hacer|me haces|me hace|hacerme|me hago|me haria|me gustaria hacerme|vengo a|voy por|para)\b"
)
GREETING = re.compile(
    r"^(?:hola|buenas|buenos dias|buen dia|buenas tardes|buenas noches|que tal|hey|que onda|saludos|quiubo|que hubo|ey|alo|bueno|"
    r"feliz (?:año|navidad|dia|lunes|semana)|felices fiestas|prospero año)\b"
)
THANKS = _rx(r"\bgracias\b", r"\bte agradezco\b|\ble agradezco\b|\bse agradece\b|\bmuy amable\b")
GOODBYE = _rx(
    r"^hasta (?:el|la|mañana|luego|pronto|entonces)\b",
    r"^(?!.*\bno (?:\w+ ){1,2}hasta\b).*\bhasta (?:el )?(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)\s*[!.]*$",  # «ok gracias, hasta el lunes»
    r"\b(?:que (?:tengas|tenga|tengan|pases|pasen|pase) (?:un )?(?:buen|bonito|lindo|excelente|feliz|gran) (?:dia|fin|fin de semana|tarde|noche|domingo))\b",
    r"\b(?:ahi nos (?:vemos|vidrios|hablamos|escribimos)|nos vidrios|bye|bai|chao|chau|chido dia|me despido)\b",
    r"\b(?:adios|hasta luego|hasta pronto|hasta mañana|nos vemos|cuidate|que estes bien|bonito dia|buen fin|bonita tarde|linda tarde|excelente dia|feliz dia|descansa|buen descanso|que descanses|bonita noche)\b"
)
AFFIRM = re.compile(
    r"^(?:si|simon|sale|va|vale|ok|dale|claro|por supuesto|de acuerdo|perfecto|esta bien|correcto|asi es|eso|exacto|"
    r"andale|orale|arre|confirmo|confirmado|adelante|hazlo|me parece bien|me late|va que va|sale y vale|ya(?!\s+no\b)|bueno|"
    r"seguro|afirmativo|jalo|jalamos|obvio|listo|yes|me parece|de una|esa|ese|eso mero|esa mero|a huevo|a wevo|awebo|sobres|sip|sep|"
    r"simona|chido|okas|okis|oki|ahi estare|ahi estaremos|alli estare|sin falta)\b"
)
FILLER_START = re.compile(r"^(?:(?:m{2,}|h?m+|eh+|em+|este|pues|ah+|oye|mira|a ver|hmm+)\s*,?\s+)+")
DENY = re.compile(
    r"^(?:ya no|claro que no|por supuesto que no|obvio no|pues no|la verdad no|creo que no|no|nel|nah|para nada|negativo|no gracias|mejor no|todavia no|aun no|no por ahora|ahorita no|de momento no|"
    r"ni madres|no quiero|no es necesario|no hace falta|no tengo|no tiene|no se|tampoco|ninguna|ninguno|ningun)\b"
)
CORRECTION = re.compile(r"\b(?:mejor|mas bien|en vez de|en lugar de|cambialo|cambiala|prefiero|siempre no|pero|me equivoque|era)\b")
COURTESY_WORDS = frozenset(
    {",", "?", "por", "favor", "gracias", "muchas", "mil", "pues", "entonces", "ok", "bueno", "hola", "y", "oye",
     "porfa", "amigo", "amiga", "joven", "señorita", "jeje", "jaja", "jajaja", "xd", "ya", "eh", "mmm", "ah", "este",
     "sale", "va", "si", "asi", "bien", "esta", "perfecto", "excelente", "super", "muy", "todo", "mejor", "buenas",
     "buenos", "dias", "tardes", "noches", "que", "tal", "de", "nada", "claro", "esa", "ese", "eso", "mero", "orale",
     "andale", "simon", "dale", "vale", "listo", "okey", "joven", "amigo", "hermano", "carnal", "compa", "m", "mm"}
)


@dataclass(frozen=True)
class Cues:
    """What else is known about the message when its intent is decided."""

    role: Role
    has_service: bool = False
    has_staff: bool = False
    has_phone: bool = False
    has_when: bool = False
    mentions_service: bool = False  # a service word, even one that fits several services («el corte» with two cuts)
    at_rest: bool = False  # nothing was just asked (a bare «sábados de 9 a 3» then sets hours; as an answer it informs)


@dataclass(frozen=True)
class IntentRule:
    """An intent and the test that detects it in a normalized text."""

    intent: Intent
    detect: Callable[[str, Cues], bool]


def _search(pattern: re.Pattern[str]) -> Callable[[str, Cues], bool]:
    return lambda text, cues: pattern.search(text) is not None


# An owner's bare weekly hours or closure: «sábados de 9 a 3», «del 23 al 25 de diciembre cerrado».
_BARE_HOURS = re.compile(
    r"^(?:y\s+)?(?:(?:de|los)\s+)?(?:lunes|martes|miercoles|jueves|viernes|sabados|domingos|entre semana|fines de semana|diario|"
    r"todos los dias|toda la semana)"
    r"(?:\s+(?:a|y)\s+(?:lunes|martes|miercoles|jueves|viernes|sabados?|domingos?))?\s*,?\s+(?:(?:de\s+)?\d{1,2}(?::\d\d)?\s+a\s+\d{1,2}"
    r"|(?:ahora\s+|ya\s+)?(?:hasta|desde|a partir de)\s+las?\s+\d{1,2}(?::\d\d)?\s*[.!]*$)"  # «los viernes ahora hasta las 9»
)
_CLOSED_WORD = re.compile(r"\bcerrad[oa]s?\b")
# «el 24 nomás de 9 a 2», «este sábado solo de 10 a 1»: one day's short hours.
_BARE_DAY_HOURS = re.compile(
    r"^(?:el|este|esta|mañana|hoy)\b[^?]*\b(?:nomas|solo|nada mas|solamente)\s+(?:de\s+)?\d{1,2}(?::\d\d)?\s+a\s+\d{1,2}(?::\d\d)?\s*[.!]*$"
)


def _set_hours(text: str, cues: Cues) -> bool:
    # "¿a qué hora cierran?" is a question about hours, not the owner setting them.
    if re.search(r"\b(?:a que hora|hasta que hora)\b", text):
        return False
    if SET_HOURS.search(text):
        return True
    return cues.role == Role.OWNER and cues.at_rest and "?" not in text and (
        _BARE_HOURS.search(text) is not None or (cues.has_when and not cues.has_staff and _CLOSED_WORD.search(text) is not None)
        or (cues.has_when and not cues.has_staff and not cues.has_service and _BARE_DAY_HOURS.search(text) is not None)
    )


# "Quiero cambiar un precio": changing a service without naming it yet (the flow asks which).
UPDATE_SOME_SERVICE = re.compile(
    r"\b(?:cambi\w*|actualiz\w*|modific\w*|sub\w*|baj\w*|ajust\w*)\b.{0,20}\b(?:precios?|duracion)\b"
    r"(?:\s+(?:de|del|a)\s+(?:un|algun|los|mis|el)\s+servicios?)?\s*[?.!]*$"
)


def _update_service(text: str, cues: Cues) -> bool:
    # A price or duration alone is not enough: the service being changed must be named, or asked about.
    if cues.has_service or (cues.mentions_service and cues.role == Role.OWNER):
        return UPDATE_SERVICE.search(text) is not None  # «el corte ahora cuesta 200»: the flow asks which cut
    return UPDATE_SOME_SERVICE.search(text) is not None


def _remove_staff(text: str, cues: Cues) -> bool:
    if REMOVE_STAFF.search(text):
        return True
    if "cita" in text:
        return False
    if cues.has_staff and (REMOVE_STAFF_VERB.search(text) or REMOVE_STAFF_LEAVING.search(text)):
        return True
    if cues.has_service and not cues.has_staff and re.search(r"\b(?:a|en) \$?\d{2,5}\b|\bde precio\b", text):
        return False  # "el manicure bájalo a 180": a new price, not a colleague leaving
    # "Rodrigo ya no viene, quítalo": only an owner removes people (a staff member's "quítalo" is something else).
    return cues.role == Role.OWNER and REMOVE_STAFF_PRONOUN.search(text) is not None


# "registra a Samuel Ortiz 5544332211": an owner registering someone by name and phone, with no day or service.
_REGISTERS_SOMEONE = re.compile(
    r"^(?:(?:oye|porfa|por favor|ahora|tambien|y)\s*,?\s+)*(?:agrega|agregame|agregar|registra|registrame|registrar|da de alta|dale de alta|"
    r"dar de alta|añade|anade|mete|metele|suma|inscribe|apunta|anota|alta (?:a|de))\s+(?:a\s+)?(?:mi\s+\w+\s+)?[a-zñ]+"
)


def _add_staff(text: str, cues: Cues) -> bool:
    if ADD_STAFF.search(text):
        return True
    return (
        cues.role == Role.OWNER and cues.has_phone and not cues.has_service and not cues.has_when
        and not cues.has_staff and _REGISTERS_SOMEONE.search(text) is not None and "cita" not in text
    )


def _add_service(text: str, cues: Cues) -> bool:
    return ADD_SERVICE.search(text) is not None or (cues.role == Role.OWNER and ADD_SOMETHING_PRICED.match(text) is not None)


# "ya llegó don Beto pa corte y barba", "aquí está Poncho sin cita": someone named, here now, for a service.
_ARRIVED_NAMED = re.compile(
    r"\b(?:ya )?(?:llego|llegaron|acaba de llegar|acaba de entrar|vino|vinieron|esta aqui|aqui esta|aqui estan|tengo aqui|paso|entro|trajeron|trajo)\s+"
    r"(?:(?:el|la|al|a)\s+)?(?:(?:don|doña|dona|señor|señora|senor|senora|señorita|sr|sra|srta)\.?\s+)?[a-zñ]+\b"
    r"(?=.*\b(?:pa|para|quiere|por|sin cita|de pasada|a que)\b)"
)
_ARRIVED_FOR_APPOINTMENT = re.compile(r"\bde las? \d|\b(?:su|a su|mi|tu) (?:cita|turno)\b|\bllego tarde\b")


_ASKS_WHO_IS_FREE = re.compile(r"\b(?:hay alguien|alguien|quien) (?:que (?:este|ande) )?(?:libre|desocupad[oa]|disponible)\b")


def _walk_in(text: str, cues: Cues) -> bool:
    if _ASKS_WHO_IS_FREE.search(text) or re.search(r"\b(?:a|en) (?:la|mi) agenda\b", text) or NEXT_ONLY.search(text):
        return False  # "¿hay alguien libre a las 4 pa un corte?", "¿me llegó alguien a la agenda?" ask about the agenda
    if WALK_IN.search(text):
        return True
    return bool(
        (cues.has_service or "sin cita" in text) and _ARRIVED_NAMED.search(text) and not _ARRIVED_FOR_APPOINTMENT.search(text)
    )


# "el 24 cerramos, no agendes a nadie": an owner closing the business, not blocking their own agenda.
_BUSINESS_CLOSES = re.compile(
    r"\b(?:cerramos|no abrimos|no vamos a abrir|no se abre|cerrado|descansamos|no trabajamos|no se trabaja|abrimos|vamos a abrir|"
    r"no vamos a trabajar|(?:estamos|nos vamos|vamos a estar|nos tomamos|tomamos|salimos) de vacaciones|sin abrir)\b"
)


# Staff arriving late or leaving early on a day: «el lunes llego a las 12», «mañana salgo a las 5».
_LATE_OR_EARLY = re.compile(
    r"(?<!hora )(?<!cuando )\b(?:llego|entro|vengo|empiezo|llegare|entrare|llegaria|salgo|me voy|me salgo|saldre|me ire)"
    r" (?:hasta )?(?:a )?(?:las? \d{1,2}|la una|mediodia|temprano|tarde)\b"
)


_DONT_BOOK_ME = re.compile(r"\bno (?:me |le |les )?(?:agendes|agenden|pongas|pongan|metas|metan|apartes|aparten)\b(?! (?:a la|al|esa|ese|eso|ahi))")
# A day off or time for oneself: «ocupo el viernes libre», «aparta mi hora de comida», «solo trabajo hasta las 12».
_OWN_TIME = re.compile(
    r"\b(?:ocupo|necesito|quiero|pido|dame|me das|me puedes dar)\s+(?:el|la|los|mi|este|esta)\s+(?:[a-zñ]+\s+){0,2}(?:libre|libres|de descanso|off)\b"
    r"|\baparta(?:me)? (?:mi|la|el) (?:hora|tiempo|espacio|rato|horario) (?:de|para|pa)\b"
    r"|\b(?:solo|nomas|nada mas) (?:trabajo|voy a trabajar|estoy|voy a estar|vengo|me quedo) (?:hasta|desde|a partir de) (?:las?|la|el)\b"
)
_LEAVING_EARLY = re.compile(
    r"\b(?:me voy a ir|me voy|me tengo que ir|salgo|me salgo|voy a salir|me voy a salir|tengo que salir) (?:mas )?temprano\b"
    r"|\b(?:desde|a partir de|despues de) las? \d{1,2} ya no\b"
)


# «el lunes no llego, tengo junta», «mañana no vengo»: the writer missing a day (not «el lunes no llegó Rosa»).
_I_WONT_COME = re.compile(
    r"\b(?:hoy|mañana|pasado mañana|(?:el|este|el proximo) (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)(?: \d{1,2})?)"
    r"\s*,?\s+(?:yo\s+)?no (?:llego|voy a llegar|alcanzo a llegar|puedo llegar|llegare|puedo|podre|voy a poder)\b"
    r"(?=\s*(?:$|[,.!;]|(?:porque|por|pues|tengo|voy|me|ya|que|a trabajar|temprano|nada|hasta|sino|antes|a las?|a la)\b))"
)


def _mark_no_show(text: str, cues: Cues) -> bool:
    if cues.role != Role.CUSTOMER and _I_WONT_COME.search(text) and not re.search(r"\b(?:ayer|antier|pasado)\b", text):
        return False  # a block, read below
    return MARK_NO_SHOW.search(text) is not None


# Staff who can't come in: «no puedo venir el sábado, tengo boda» (a customer saying it can't make an appointment).
_CANT_COME_IN = re.compile(
    r"\bno (?:puedo|podre|voy a poder|podria) (?:venir|ir a trabajar|trabajar|estar|llegar|cubrir(?: mi turno)?)\b"
    r"|\bno (?:estoy|estare)\s+(?:el|la|los|este|esta|mañana|hoy|pasado|del|en la|toda|todo)\b"  # «no estoy el 20 ni el 21»
)


# An owner about a colleague missing a day: «Karla no viene el sábado porque tiene boda».
_COLLEAGUE_WONT_COME = re.compile(
    r"\bno (?:regresa|vuelve|va a regresar) hasta\b"  # «María no regresa hasta el 10»
    r"|\b(?:tiene|trae|le dieron|anda con|esta con) incapacidad\b|\besta (?:incapacitad[oa]|de vacaciones|de incapacidad)\b"
    r"|\bse va de vacaciones\b"
    r"|\bno (?:viene|va a venir|va a estar|trabaja|va a trabajar|puede venir|va a poder venir|llega|va a llegar|va a poder)\b"
)


# An owner about a colleague arriving late or leaving early: «Luis sale temprano mañana, a las 4», «Pedro llega tarde el lunes».
_COLLEAGUE_LATE_OR_EARLY = re.compile(
    r"\b(?:sale|se va|se sale|saldra|se tiene que ir|llega|entra|viene|empieza|llegara|entrara)\s+(?:mas\s+)?(?:temprano|tarde)\b"
    r"|\b(?:sale|se va|se sale|saldra|llega|entra|llegara|entrara)\s+(?:hasta\s+)?(?:a\s+)?las?\s+\d"
)


# «la clienta de Luis no viene mañana», «el de las 4 de Pedro llega tarde»: a customer, not the colleague.
_A_CUSTOMER_OF = re.compile(rf"\b(?:{_PERSON_NOUN}|el de|la de|los de|las de|su cliente|su clienta)\b")


# A staff member keeping a day for themselves: «aparta el viernes que es mi cumpleaños» (not «aparta el viernes pa Sandra»).
_KEEP_A_DAY = re.compile(r"^(?:oye\s*,?\s*)?(?:aparta|apartame|reservame)\s+(?:el|la|toda|todo|mi|mis|este|esta)\b(?!.*\b(?:cita|para|pa)\b)")


# «Karla pidió el viernes libre», «dale el viernes libre a Karla», «me tomo el lunes libre»: a day off.
_DAY_OFF = re.compile(
    r"\b(?:pidio|pide|pidieron|quiere|dale|dales|darle|le doy|le di|le damos|se toma|se va a tomar|me tomo|me voy a tomar|"
    r"me das|dame|me dieron|tomo)\b(?:\s+\w+){0,4}\s+libres?\b"
)


def _block_time(text: str, cues: Cues) -> bool:
    if cues.role != Role.CUSTOMER and cues.has_when and "?" not in text and _DAY_OFF.search(text):
        return True
    if cues.role != Role.CUSTOMER and cues.has_when and not cues.has_service and _KEEP_A_DAY.search(text):
        return True
    about_colleague = cues.role == Role.OWNER and cues.has_staff and cues.has_when and "?" not in text and not _A_CUSTOMER_OF.search(text)
    if about_colleague and _COLLEAGUE_LATE_OR_EARLY.search(text):
        return True
    if about_colleague and _COLLEAGUE_WONT_COME.search(text) and not re.search(r"\b(?:ayer|antier)\b", text):
        return True
    if cues.role != Role.CUSTOMER and _CANT_COME_IN.search(text) and "?" not in text:
        return True
    if cues.role != Role.CUSTOMER and _I_WONT_COME.search(text) and "?" not in text and not re.search(r"\b(?:ayer|antier)\b", text):
        return True
    if cues.role != Role.CUSTOMER and cues.has_when and _LATE_OR_EARLY.search(text) and "?" not in text:
        return True
    if cues.role != Role.CUSTOMER and (_LEAVING_EARLY.search(text) or _OWN_TIME.search(text)) and "?" not in text:
        return True
    dont_book = cues.role != Role.CUSTOMER and cues.has_when and _DONT_BOOK_ME.search(text) is not None
    if not (BLOCK_TIME.search(text) or dont_book):  # «no me agendes el sábado, es mi cumpleaños»
        return False
    if cues.role == Role.OWNER and not cues.has_staff and "bloque" not in text and _BUSINESS_CLOSES.search(text):
        return False
    return True


# "¿cómo anda Luis el viernes?", "¿cómo va Pedro hoy?": a colleague's agenda (how it went is `stats`).
_COLLEAGUE_AGENDA = re.compile(
    r"\b(?:como|que tal) (?:anda|va|viene|esta|se ve|pinta|amanece|tiene)\b(?! (?:a |le |les ))|\bque onda con\b"
)


# «¿cómo va Luis este mes?», «cómo va Pedro en la quincena»: an owner asking how a colleague is doing over a period (stats).
_STATS_SPAN = re.compile(
    r"\b(?:este|el|en el|del) mes\b|\b(?:la|esta|en la) quincena\b|\b(?:este|en el|del) año\b|\ben lo que va\b"
    r"|\ben (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b"
)


def _colleague_agenda(text: str, cues: Cues) -> bool:
    if cues.role == Role.OWNER and _STATS_SPAN.search(text):
        return False
    return cues.role != Role.CUSTOMER and cues.has_staff and _COLLEAGUE_AGENDA.search(text) is not None and not re.search(
        r"\b(?:fue|estuvo|le fue|les fue|vendio|vendimos|hizo|hicieron|ventas)\b|\bsemana pasada\b|\bmes pasado\b|\bayer\b", text
    )


def _my_schedule(text: str, cues: Cues) -> bool:
    if cues.role != Role.CUSTOMER and (NEXT_ONLY.search(text) or re.search(r"\bquien es (?:el|la) de las?\b", text)):
        return True  # «siguiente cliente?», «y luego quién», «quién es el de las 12»
    return MY_SCHEDULE.search(text) is not None or (cues.role != Role.CUSTOMER and STAFF_FREE.search(text) is not None)


# "¿qué hay pal sábado?", "¿cómo está el salón el jueves?": staff asking about the shop's day.
_SHOP_DAY = re.compile(
    r"\bque (?:hay|tenemos|tiene el (?:salon|local|negocio)|tiene la (?:barberia|estetica)) (?:(?:pa|para|pal) )?(?:el |la |este |esta )?"
    r"(?:hoy|mañana|pasado mañana|lunes|martes|miercoles|jueves|viernes|sabado|domingo|semana|tarde|\d)\b"
    r"|\b(?:en|del?) (?:el |la )?(?:salon|local|negocio|barberia|estetica)\b.{0,20}\b(?:citas|agenda|ocupad[oa]|lleno|libre)\b"
    r"|\b(?:citas|agenda|ocupad[oa]|lleno|libre)\b.{0,20}\b(?:en|del?) (?:el |la )?(?:salon|local|negocio|barberia|estetica)\b"
    r"|\b(?:hay|viene|tenemos|habra) (?:mucha|poca|harta|bastante|mucho|poco) (?:gente|chamba|clientela|trabajo|movimiento)\b"
    r"|(?<!me )(?<!te )(?<!le )\b(?:hay|quedan|queda|tenemos) (?:huecos?|espacios?|lugar(?:es)?|citas libres|horarios libres|algo libre)\b"
    r"|\bque tan (?:llen[oa]|ocupad[oa]|pesad[oa]|tranquil[oa]|movid[oa])\b|\bcuant[oa] (?:gente|clientela) (?:tenemos|hay|viene)\b"
    r"|\b(?:esta|viene|anda|se ve|pinta) (?:muy )?(?:llen[oa]|pesad[oa]|tranquil[oa]|flojo|vaci[oa]|movido)\b"
    r"|\bcuant[oa]s (?:citas|clientes|clientas|personas|cortes|servicios|niños) (?:tenemos|hay|vienen|tiene el|tiene la)\b"
    r"(?!.*\b(?:mes|semana pasada|año|nuev[oa]s)\b)"
)
_ALL_APPOINTMENTS = re.compile(
    r"\b(?:lista|listado|relacion) de (?:citas|clientes|clientas)\b|\b(?:pasame|mandame|dame|enseñame|ensename|muestrame) las citas\b"
    r"|\bquien(?:es)? (?:trabaja|trabajan|entra|entran|viene a trabajar|vienen a trabajar|esta de turno|estan de turno)\b"
)
_STAFF_AGENDA = re.compile(
    r"\ba que hora (?:se desocupa|sale|termina|acaba|entra|llega|se va|queda libre|tiene libre)\b|\bse desocupa\b|"
    r"\b(?:agenda|citas|que tiene|como esta|esta libre|esta ocupad[oa]|tiene (?:espacio|algo|libre|lugar|citas|a alguien|alguien|gente|hueco|chance|tiempo|disponible|mucho|poco|mucha))\b"
)


def _business_schedule(text: str, cues: Cues) -> bool:
    if BUSINESS_SCHEDULE.search(text):
        return True
    if cues.role != Role.CUSTOMER and _SHOP_DAY.search(text):
        return True
    if cues.role == Role.OWNER and _ALL_APPOINTMENTS.search(text):
        return True  # the owner's «pásame la lista de citas del viernes» is everyone's
    # "qué tiene María hoy", "agenda de Pedro": a colleague's agenda (a customer asking is booking).
    return cues.role != Role.CUSTOMER and cues.has_staff and _STAFF_AGENDA.search(text) is not None


# «ábreme el juevez», «ábrele a Pedro el 24»: reopening whatever day the message names (not the business: «abrimos»).
_REOPEN_A_DAY = re.compile(rf"\b(?:abreme|abrele|reabreme|reabrele|liberame|liberale)\b(?!\s+{_THING})")


def _unblock(text: str, cues: Cues) -> bool:
    # Only staff and owners keep blocks; a customer's «siempre sí voy» or «libera mi lugar» is something else.
    if cues.role == Role.CUSTOMER:
        return False
    if _A_CUSTOMER_OF.search(text) and not re.search(r"\b(?:des)?bloque|\bliber|\babre", text):
        return False  # «la clienta de las 5 dice que siempre sí viene» is about a customer
    return UNBLOCK.search(text) is not None or (cues.has_when and _REOPEN_A_DAY.search(text) is not None)


# Priority order: the first rule (allowed for the role) that fires wins.
RULES: tuple[IntentRule, ...] = (
    IntentRule(Intent.HUMAN, _search(HUMAN)),
    IntentRule(Intent.UNBLOCK, _unblock),
    IntentRule(Intent.ADD_STAFF, _add_staff),
    IntentRule(Intent.REMOVE_STAFF, _remove_staff),
    IntentRule(Intent.ADD_SERVICE, _add_service),
    IntentRule(Intent.BUSINESS_SCHEDULE, _colleague_agenda),
    IntentRule(Intent.STATS, _search(STATS)),
    IntentRule(Intent.MARK_NO_SHOW, _mark_no_show),
    IntentRule(Intent.MARK_COMPLETED, _search(MARK_COMPLETED)),
    IntentRule(Intent.WALK_IN, _walk_in),
    IntentRule(Intent.CUSTOMER_HISTORY, _search(CUSTOMER_HISTORY)),
    IntentRule(Intent.BLOCK_TIME, _block_time),
    IntentRule(Intent.RESCHEDULE, _search(RESCHEDULE)),
    IntentRule(Intent.CANCEL, _search(CANCEL)),
    IntentRule(Intent.CANT_MAKE_IT, _search(CANT_MAKE_IT)),
    IntentRule(Intent.SET_HOURS, _set_hours),
    IntentRule(Intent.WEEK_PAGE, _search(WEEK_PAGE)),
    IntentRule(Intent.BUSINESS_SCHEDULE, _business_schedule),
    IntentRule(Intent.MY_APPOINTMENTS, _search(MY_APPOINTMENTS)),
    IntentRule(Intent.MY_SCHEDULE, _my_schedule),
    IntentRule(Intent.ASK_LOCATION, _search(ASK_LOCATION)),
    IntentRule(Intent.ASK_HOURS, _search(ASK_HOURS)),
    IntentRule(Intent.UPDATE_SERVICE, _update_service),
    IntentRule(Intent.ASK_SERVICES, _search(ASK_SERVICES)),
)


def first_rule_intent(text: str, cues: Cues) -> tuple[Intent | None, Intent | None]:
    """(the highest-priority intent of the role whose cues appear, the first one of another role).

    A message that only carries cues of another role ("bloquea mañana" from a customer) is then
    read as that intent coerced to the role (see `coerce_intent`), never as the wider intent.
    """
    allowed = intents_for(cues.role)
    foreign: Intent | None = None
    for rule in RULES:
        if rule.detect(text, cues):
            if rule.intent in allowed:
                return rule.intent, foreign
            foreign = foreign or rule.intent
    return None, foreign


def is_only_courtesy(tokens: list[str]) -> bool:
    """True when nothing but filler and courtesy words remain."""
    return all(token in COURTESY_WORDS for token in tokens)


# The cues of each intent, to tell which words of a message a reading explains (see `explained_tokens`).
CUE_PATTERNS: dict[Intent, tuple[re.Pattern[str], ...]] = {
    Intent.BOOK: (BOOK_VERB, BOOK_NOUN, WANT, ASKS_FOR_SLOT),
    Intent.RESCHEDULE: (RESCHEDULE,),
    Intent.CANCEL: (CANCEL, STOP_PHRASE),
    Intent.CANT_MAKE_IT: (CANT_MAKE_IT,),
    Intent.MY_APPOINTMENTS: (MY_APPOINTMENTS,),
    Intent.MY_SCHEDULE: (MY_SCHEDULE, STAFF_FREE, NEXT_ONLY),
    Intent.BUSINESS_SCHEDULE: (BUSINESS_SCHEDULE, _STAFF_AGENDA, _COLLEAGUE_AGENDA),
    Intent.WEEK_PAGE: (WEEK_PAGE,),
    Intent.BLOCK_TIME: (BLOCK_TIME,),
    Intent.UNBLOCK: (UNBLOCK,),
    Intent.MARK_NO_SHOW: (MARK_NO_SHOW,),
    Intent.MARK_COMPLETED: (MARK_COMPLETED,),
    Intent.WALK_IN: (WALK_IN, _ARRIVED_NAMED),
    Intent.CUSTOMER_HISTORY: (CUSTOMER_HISTORY,),
    Intent.ADD_STAFF: (ADD_STAFF,),
    Intent.REMOVE_STAFF: (REMOVE_STAFF, REMOVE_STAFF_VERB, REMOVE_STAFF_LEAVING, REMOVE_STAFF_PRONOUN),
    Intent.SET_HOURS: (SET_HOURS,),
    Intent.ADD_SERVICE: (ADD_SERVICE,),
    Intent.UPDATE_SERVICE: (UPDATE_SERVICE, UPDATE_SOME_SERVICE),
    Intent.STATS: (STATS,),
    Intent.ASK_LOCATION: (ASK_LOCATION,),
    Intent.ASK_HOURS: (ASK_HOURS,),
    Intent.ASK_SERVICES: (ASK_SERVICES,),
    Intent.HUMAN: (HUMAN,),
    Intent.STOP: (STOP_PHRASE, STOP_ANYWHERE),
    Intent.GREET: (GREETING,),
    Intent.THANKS: (THANKS,),
    Intent.GOODBYE: (GOODBYE,),
    Intent.AFFIRM: (AFFIRM,),
    Intent.DENY: (DENY,),
}


def unexplained_tokens(text: str, intent: Intent, also_explained: frozenset[str] = frozenset()) -> list[str]:
    """The tokens of `text` that neither the intent's cues, courtesy, nor `also_explained` account for."""
    covered = [False] * len(text)
    for pattern in (*CUE_PATTERNS.get(intent, ()), ASAP, ASAP_TODAY, SAME_TIME, FILLER_START):
        for match in pattern.finditer(text):
            for i in range(match.start(), match.end()):
                covered[i] = True
    left, position = [], 0
    for token in text.split():
        start = text.index(token, position)
        position = start + len(token)
        if all(covered[start:position]) or token in COURTESY_WORDS or token in also_explained:
            continue
        left.append(token)
    return left
