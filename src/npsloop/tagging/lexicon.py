"""Concepts shared by Spanish and English: word stems that name one idea in either language ("factura",
"invoice", "cobro", "charged" are all `c_bill`) become one token. The seed teaches the model a word in the
comments that happen to use it; a concept token lets a Spanish comment about "la factura" teach the English
"invoice", and a stem covers the forms and typos of a word that n-grams of the seed never met. The concepts are
features, not rules: the model weighs them like any other word, per theme."""

from __future__ import annotations

import re

# concept -> stems ("|" between them), each matched at the start of a word of the normalised text (lower case,
# no accents); a stem ending in a space only matches the whole word ("mes " is the month, not "mesa")
CONCEPTS: dict[str, str] = {
    "waiting": (
        "esper|wait|hold|on hold|en espera|cola|fila|queue|musiquita|musica|hora|hour|minut|dias|days|"
        "semana|week|mes |month|todavia|still|took ages|took forever|took weeks|took days|get through|"
        "got through|pick up|picked up|turnaround|response time|tiempos de respuesta|eternidad|"
        "hold music"
    ),
    "slow": (
        "lent|slow|tard|late|demor|delay|atras|behind|eterno|forever|ages|nunca llega|never came|"
        "never arriv|never show|no llego|no han llegado"
    ),
    "fast": "rapid|fast|quick|pront|enseguida|right away|inmediat|immediat|al toque|asap",
    "contact": (
        "llam|call|telefon|phone|linea|line|contest|answer|atend|respond|respuest|reply|replie|callback|"
        "devolv|ring|correo|mail|whatsapp|chat|ticket"
    ),
    "solve": (
        "resol|resuel|solucion|solv|fix|arregl|sort|repar|repair|compus|resolv|problem|issue|reclam|"
        "claim|complain|queja|caso|case|incidenc"
    ),
    "again": (
        "otra vez|de nuevo|again|volver a|volvi a|tuve que|tengo que|had to|have to|varias veces|"
        "several times|many times|multiple|muchas veces|tercera|third|segunda|second|cuarta|fourth|reabr|"
        "reopen|sigue|keeps|persist|todavia|still|aun "
    ),
    "staff": (
        "amabl|friendl|kind|rude|grosero|groser|maleduc|educad|polite|atent|trato|treat|actitud|attitude|"
        "prepot|arrogan|patien|pacien|helpful|servicial|agent|asesor|operador|operator|personal|staff|"
        "empleado|employee|cajer|teller|chica|chico|senor|girl|guy|lady|man |tecnico|technician|vendedor|"
        "sales|ejecutiv|rep |representative|desgan|cared|care |respet|respect|grit|yell|sonris|smil|"
        "profesional|professional|cordial|majo|lovely|nice|condescend|dismissiv|abrupt|snott|snapp|"
        "sarcas|patroni|unhelpful|cheerful|welcoming|courteous|manner|bothered|couldnt care|despectiv|"
        "pesad|antipatic|simpatic|buena onda|mala onda|mala gana|cortante|empatic|carino|mal genio|"
        "mal humor|foul mood|temper|shout|insult|insolent"
    ),
    "inform": (
        "inform|explic|explain|avis|aviso|notif|warn|told|tell|dijeron|decir|dicen|clar|clear|confus|"
        "contradic|mixed|seguimiento|follow|update|actualiz|comunic|communicat|mensaje|message|sms|email|"
        "nadie|nobody|no one|ni idea|no idea|sabia|know|enterar|found out|heard|news|noticia|tracking|"
        "seguimiento|kept me posted|kept us posted|in the loop|heads up|let me know|let us know|"
        "keep me informed|explanation|aclar|transparen|status|clarity|claridad|vague|mixed messages|"
        "inconsisten|misinform|wrong information|informacion erronea"
    ),
    "bill": (
        "factur|invoice|bill|cobr|charg|cargo|cargar|reembols|refund|devolucion|devolv|pago|pay|paid|"
        "pague|pagar|debit|debito|tarjeta|card|recibo|receipt|statement|extracto|cuenta|account|credit|"
        "nota de credito|saldo|balance|doble|double|twice|duplic|dos veces|plata|money|dinero|overcharg|"
        "sobrecargo|overcharg|reimburs|money back|credit note|credited|debited|direct debit|"
        "standing order|instalment|installment|abono|boleta|descont|deduct|taken from|took money|billing|"
        "invoic"
    ),
    "price": (
        "precio|price|pric|caro|cara|expensiv|barat|cheap|tarifa|tariff|rate|fee|comision|cost|costo|"
        "cuesta|value|vale la pena|worth|subi|aument|increas|hike|raise|went up|afford|econom|oferta|"
        "offer|deal|descuento|discount|promo|plan|competen|competitor|rip off|robo|abus|cuota|"
        "mensualidad"
    ),
    "delivery": (
        "entreg|deliver|envio|envia|ship|despach|dispatch|pedido|order|paquete|package|parcel|camion|"
        "truck|lorry|driver|chofer|conductor|repartidor|courier|llego|llegar|llega|arriv|came|obra|site|"
        "transport|logistic|flete|freight|palet|pallet|carga|load|descarg|unload|bolsa|bag|material|"
        "mensajer|missing|faltab|falta|incomplet|wrong item|equivocad|damag|dan|rot|broken|quebr|roto|"
        "tracking|rastre|correo"
    ),
    "defect": (
        "fall|fail|fault|defect|averi|broke|rompi|dejo de|stopped|stops|no funciona|doesnt work|"
        "dont work|not working|senal|signal|cobertura|coverage|calidad|quality|corte|outage|caid|down|"
        "intermit|drop|cae|se cae|velocidad|speed|internet|wifi|fibra|fibre|fiber|luz|power|agua|water|"
        "gas|presion|pressure|cement|cemento|ladrill|brick|arena|sand|varilla|rebar|bloque|block|product|"
        "producto|servicio|service|entregabil|deliverab|uptime|api|mensajes|messages|funciona|works|"
        "work |durab|dura|lasts|garantia|warranty|tela|fabric|talla|size|roto|agriet|crack|humed|damp|"
        "estable|stable|reliab|confiab"
    ),
    "digital": (
        "app|aplicacion|web|pagina|page|portal|login|log in|sign in|inicio de sesion|iniciar sesion|"
        "contrasena|password|clave|usuario|username|chatbot|bot|online|en linea|sitio|website|plataforma|"
        "platform|dashboard|panel|homebanking|banca en linea|banca movil|online banking|actualizacion|"
        "update|boton|button|formulario web|checkout|carrito|cart|pantalla|screen|codigo|code|otp|token|"
        "2fa|verificacion|verification|descarg|download|link|enlace|crash|cuelga|se traba|freez|glitch|"
        "bug|error"
    ),
    "effort": (
        "tramit|paperwork|papeleo|papel|paper|pasos|steps|formulario|form|document|requisit|requirement|"
        "transfer|pasaron|passed|bounced|me pasan|me pasaban|departament|department|area|sucursal|branch|"
        "oficina|office|repet|repeat|explain again|contar de nuevo|misma historia|same story|hassle|lio|"
        "burocr|bureaucr|complic|complicat|facil|easy|simple|sencill|engorr|cumbersome|vuelta|runaround|"
        "ir y venir|back and forth|firma|sign|fotocop|copia|copy|presencial|in person|in-person|esfuerzo|"
        "effort|sin complic|painless|friction|pain"
    ),
    "passed_around": (
        "transferred|transfer me|put through|passed around|passed from|passed me|passed between|bounced|"
        "pillar to post|me pasaron|me pasan|me transfir|me derivaron|me derivan|me mandaron de|"
        "me mandan de|de un lado a otro|de area en area|departament|department|another team|"
        "otro departamento|otra area"
    ),
    "paperwork": (
        "papeleo|paperwork|red tape|burocr|bureaucr|formulario|form |forms|document|certificad|"
        "certificate|comprobante|proof of|firma|sign|fotocop|print|imprim|requisit|requirement|hoops|"
        "faff|tramit|lata|lio"
    ),
    "repeat_story": (
        "repet|repeat|from scratch|desde cero|all over again|start over|same story|misma historia|"
        "again and again|contar todo|explain everything|explain again|explicar todo|contarle todo|"
        "los mismos datos|the same details|same information|misma informacion"
    ),
    "silence": (
        "radio silence|no word|not a word|ni un mensaje|sin aviso|previo aviso|without notice|no notice|"
        "without warning|sin avisar|nunca avisaron|never told|never warned|nobody told|no one told|"
        "nadie avis|nadie me dijo|nadie nos|in the dark|sin noticias|no updates|no update|no news|"
        "never heard|nunca supe|ni idea|no explanation|sin explicacion|didnt tell|didnt warn|"
        "no me avisaron|no nos avisaron|found out|me entere|nos enteramos|small print|letra chica|"
        "fine print|misleading|engan"
    ),
    "unresolved": (
        "still broken|sigue sin|still not|still no|sin solucion|sin resolver|no fix|not fixed|"
        "nothing happens|no pasa nada|in progress|en proceso|under review|en revision|escalat|escalan|"
        "sigue igual|same problem|mismo problema|vuelve a pasar|keeps happening|happened again|"
        "volvio a pasar|otra vez lo mismo|nunca solucion|never fixed|never solved|never resolved|"
        "no solucion|no resolv|didnt solve|didnt fix|no arregl|cerraron el|closed the|closed it|"
        "cerraron sin|closed without"
    ),
    "good": (
        "excelent|excellent|genial|great|buen|good|bien|well|perfect|encant|love|grac|thank|maravill|"
        "wonderful|brilliant|top|super|recomiend|recommend|feliz|happy|content|satisf|impecable|flawless|"
        "amazing|increible|awesome|10/10|emo_pos|mejor|better|best|fine|smooth|facil|easy|ok |cumpl|kept"
    ),
    "bad": (
        "pesim|terribl|horribl|awful|mal|bad|poor|peor|worse|worst|nunca|never|nadie|nobody|desastr|"
        "disaster|vergu|shame|disgrace|fatal|lament|ridicul|inaceptable|unacceptable|harto|fed up|"
        "sick of|cansad|tired of|basura|rubbish|garbage|trash|joke|chiste|emo_neg|molest|annoy|frustr|"
        "enojad|angry|furious|decepcion|disappoint|estafa|scam|sin |without|no |not |didnt|dont|doesnt|"
        "wont|cant|tampoco"
    ),
}

_PATTERNS = tuple(
    (
        concept,
        re.compile(
            r"\b(?:" + "|".join(re.escape(stem) for stem in sorted(stems.split("|"), key=len, reverse=True)) + ")"
        ),
    )
    for concept, stems in CONCEPTS.items()
)


def concepts(text: str) -> list[str]:
    """The concept tokens of a normalised text, one per stem found: "the invoice came late" gives c_slow, c_bill
    and c_delivery ("came"). It is the analyzer of a TF-IDF block, so a concept named twice counts as a word would."""
    return [f"c_{concept}" for concept, pattern in _PATTERNS for _ in pattern.finditer(text)]
