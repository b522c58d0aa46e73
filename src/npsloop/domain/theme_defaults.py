"""The taxonomy every installation starts with: ten themes that cover why customers are unhappy with a service
business (a contact centre, a bank, a telecom, a shop, a supplier delivering to building sites). Names are short,
because they travel in SMS alerts ("Temas: facturación, espera"); descriptions say what belongs to the theme."""

from __future__ import annotations

from npsloop.domain.themes import Localized, Taxonomy, Theme


def _theme(key: str, name: tuple[str, str], description: tuple[str, str]) -> Theme:
    return Theme(key, Localized(*name), Localized(*description))


DEFAULT_TAXONOMY = Taxonomy(
    (
        _theme(
            "wait_time",
            ("Espera", "Wait time"),
            (
                "Colas, esperas al teléfono, respuestas lentas, llamadas devueltas tarde.",
                "Queues, time on hold, slow replies, late callbacks.",
            ),
        ),
        _theme(
            "resolution",
            ("Resolución", "Resolution"),
            (
                "Si el problema se resolvió o no, tener que volver a llamar, resolución en el primer contacto.",
                "Whether the problem was solved, having to call again, first-contact resolution.",
            ),
        ),
        _theme(
            "staff_attitude",
            ("Trato del personal", "Staff attitude"),
            (
                "Cómo trató el personal al cliente: amabilidad, respeto, interés por ayudar.",
                "How people treated the customer: courtesy, respect, willingness to help.",
            ),
        ),
        _theme(
            "communication",
            ("Comunicación", "Communication"),
            (
                "Información poco clara o contradictoria, no avisar al cliente, falta de seguimiento.",
                "Unclear or contradictory information, not keeping the customer informed, no follow-up.",
            ),
        ),
        _theme(
            "billing",
            ("Facturación", "Billing"),
            (
                "Facturas, cobros erróneos o duplicados, devoluciones, pagos.",
                "Invoices, wrong or double charges, refunds, payments.",
            ),
        ),
        _theme(
            "price",
            ("Precio", "Price"),
            (
                "Nivel de precios, relación calidad-precio, subidas de tarifa.",
                "Price level, value for money, price increases.",
            ),
        ),
        _theme(
            "delivery",
            ("Entrega", "Delivery"),
            (
                "Entregas tardías, incompletas o dañadas, logística y transporte.",
                "Late, missing or damaged deliveries, logistics and transport.",
            ),
        ),
        _theme(
            "product_quality",
            ("Calidad del producto", "Product quality"),
            (
                "Defectos, averías, cobertura: el producto o servicio en sí.",
                "Defects, breakdowns, coverage: the core product or service itself.",
            ),
        ),
        _theme(
            "digital_channels",
            ("Canales digitales", "Digital channels"),
            (
                "Web, app, área de clientes, acceso y contraseñas, chatbot.",
                "Website, app, customer portal, login and passwords, chatbot.",
            ),
        ),
        _theme(
            "effort",
            ("Esfuerzo", "Effort"),
            (
                "Demasiados pasos, transferencias entre departamentos, papeleo, repetir la misma información.",
                "Too many steps, transfers between departments, paperwork, repeating the same information.",
            ),
        ),
    )
)
