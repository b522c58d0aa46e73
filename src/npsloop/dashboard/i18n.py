"""The dashboard's words in English and Spanish. A missing key fails a test, not a supervisor's screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from npsloop.dashboard.admin_words import ADMIN_WORDS
from npsloop.dashboard.audit_words import AUDIT_WORDS
from npsloop.dashboard.connect_words import CONNECT_WORDS
from npsloop.domain.risk import InvalidRiskReason, ReasonCode, RiskReason

LANGUAGES = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "queue": "Open cases",
        "reports": "Reports",
        "logout": "Log out",
        "login": "Log in",
        "token": "API token",
        "login_help": "Paste the token you were given (npsloop tokens create). It is kept in a cookie on this device.",
        "bad_token": "That token is not valid, has expired or was revoked.",
        "too_many_logins": "Too many login attempts from here. Wait a minute and try again.",
        "no_dashboard": "This token's role cannot use the dashboard.",
        "case": "Case",
        "customer": "Customer",
        "score": "Score",
        "comment": "Comment",
        "team": "Team",
        "assignee": "Assignee",
        "status": "Status",
        "next_step": "Next step",
        "opened": "Opened",
        "nobody": "nobody",
        "no_cases": "No open cases. Every loop is closed.",
        "overdue_by": "overdue by",
        "due_in": "due in",
        "acknowledge": "Acknowledge",
        "contact": "Mark contacted",
        "close": "Close",
        "reopen": "Reopen",
        "assign": "Reassign",
        "outcome": "Outcome",
        "note": "Note",
        "resolved": "resolved",
        "not_resolved": "not resolved",
        "unreachable": "unreachable",
        "timeline": "Timeline",
        "responses": "Responses",
        "alerts": "Alerts",
        "phone": "Phone",
        "email": "Email",
        "priority": "Priority",
        "all_teams": "All teams",
        "all_themes": "All themes",
        "themes": "Complains of",
        "filter": "Filter",
        "done": "Done",
        "year": "Year",
        "nps_trend": "NPS by month",
        "target": "target",
        "target_title": "Target",
        "open": "Open",
        "unassigned": "Unassigned",
        "split": "Promoters, passives and detractors by month",
        "promoters": "Promoters",
        "passives": "Passives",
        "detractors": "Detractors",
        "loop": "Loop closure",
        "month": "Month",
        "nps": "NPS",
        "interval": "95% interval",
        "unreliable": "fewer than 30 responses: unreliable",
        "cases_opened": "Cases opened",
        "acknowledged": "Acknowledged",
        "contacted": "Contacted",
        "closed": "Closed",
        "closed_within_sla": "Closed within SLA",
        "recontact_rate": "Detractors again within 90 days",
        "median": "median",
        "p90": "90th percentile",
        "time_to_acknowledge": "Time to acknowledge",
        "time_to_contact": "Time to first contact",
        "time_to_close": "Time to close",
        "business_time": "business time",
        "wall_time": "wall time",
        "backlog": "Open backlog by age",
        # The recovery follow-ups (reports and review)
        "recovery": "Recovery: did we solve it?",
        "recovery_help": (
            "Customers of cases closed as resolved were asked whether their problem was solved; counted by the "
            "closure's date."
        ),
        "rec_followups": "Follow-ups",
        "rec_sent": "Sent",
        "rec_answered": "Answered",
        "rec_confirmed": "Confirmed solved",
        "rec_reopened": "Reopened",
        "rec_new_scores": "New scores (detractors / passives / promoters)",
        "rec_recovered": "Detractors recovered",
        "no_followups": "No follow-ups",
        "none_sent": "none sent yet",
        "recovery_denominators": (
            "Answered: of those sent. Confirmed solved: the yes answers of those that said yes or no. Reopened: of "
            "the answers (a no, or a new score of 0-6, reopens the case). Detractors recovered: new scores of 7-10 "
            "of the new scores (every case opens on a detractor)."
        ),
        "year_to_date": "Year to date",
        "no_target": "No target set for this year.",
        "gap": "gap",
        "by_team": "By team",
        "by_agent": "By agent",
        "export": "Export cases (CSV)",
        "language": "Español",
        "session_expired": "Please log in.",
        "forbidden": "Your role does not allow this.",
        # The monthly review and the Why page
        "review": "Monthly review",
        "why": "Why",
        "top_themes": "Top themes among detractors",
        "theme": "Theme",
        "share_of_detractors": "Share of detractors",
        "points_at_stake": "NPS points at stake",
        "points_help": (
            "How much NPS would rise had the detractors naming the theme been passives. "
            "A detractor may name several themes, so the points overlap."
        ),
        "movers": "Themes that moved most since the month before",
        "before": "Month before",
        "now": "This month",
        "change": "Change",
        "reasons_recorded": "Reasons agents recorded at closure",
        "actions_taken": "Actions taken",
        "no_action": "no action code",
        "comments_title": "What customers said (personal data masked)",
        "company": "Company",
        "transactional": "Transactional",
        "relational": "Relational",
        "contacted_within_sla": "Contacted within SLA",
        "show": "Show",
        "from_month": "From",
        "to_month": "To",
        "theme_pareto": "Themes among detractors (Pareto)",
        "nps_by_theme": "NPS of the responses naming each theme",
        "theme_trends": "Share of detractors by theme and month",
        "no_themes": "No detractor comments with themes in this period.",
        "cases": "Cases",
        "cumulative": "cumulative",
        "riskiest": "Open cases most at risk of ending badly",
        "risk": "Risk",
        # Why a case is at risk (domain.risk.RiskReason), shown on the case page and the review
        "risk_score": "score {score}",
        "risk_themes": "themes: {themes}",
        "risk_unresolved_one": "1 unresolved case before",
        "risk_unresolved": "{count} unresolved cases before",
        "risk_repeat": "repeat detractor",
        "risk_tier": "tier: {tier}",
        # Reasons at closure (the case page)
        "themes_found": "Themes in the comments",
        "negative": "complaint",
        "positive": "praise",
        "reasons": "Reasons",
        "reasons_help": "Pre-checked with what the customer complained of: confirm or correct.",
        "reasons_required": "This team requires at least one reason to close a case.",
        "action_code": "Action taken",
        "action_note": "What was done",
        "action_refund": "Refund",
        "action_replacement": "Replacement",
        "action_callback": "Callback",
        "action_explanation": "Explanation",
        "action_process_fix": "Process fix",
        **ADMIN_WORDS["en"],  # the admin section (/ui/admin)
        **AUDIT_WORDS["en"],  # the audit trail (/ui/audit)
        **CONNECT_WORDS["en"],  # integrations, endpoints, tokens, dead letters (/ui/admin)
    },
    "es": {
        "queue": "Casos abiertos",
        "reports": "Informes",
        "logout": "Salir",
        "login": "Entrar",
        "token": "Token de API",
        "login_help": (
            "Pega el token que te dieron (npsloop tokens create). Se guarda en una cookie en este dispositivo."
        ),
        "bad_token": "Ese token no es válido, ha caducado o fue revocado.",
        "too_many_logins": "Demasiados intentos de inicio de sesión desde aquí. Espera un minuto y reinténtalo.",
        "no_dashboard": "El rol de este token no puede usar el panel.",
        "case": "Caso",
        "customer": "Cliente",
        "score": "Nota",
        "comment": "Comentario",
        "team": "Equipo",
        "assignee": "Responsable",
        "status": "Estado",
        "next_step": "Siguiente paso",
        "opened": "Abierto",
        "nobody": "nadie",
        "no_cases": "No hay casos abiertos. Todos los ciclos están cerrados.",
        "overdue_by": "vencido hace",
        "due_in": "vence en",
        "acknowledge": "Aceptar",
        "contact": "Marcar contactado",
        "close": "Cerrar",
        "reopen": "Reabrir",
        "assign": "Reasignar",
        "outcome": "Resultado",
        "note": "Nota",
        "resolved": "resuelto",
        "not_resolved": "no resuelto",
        "unreachable": "no localizable",
        "timeline": "Historial",
        "responses": "Respuestas",
        "alerts": "Avisos",
        "phone": "Teléfono",
        "email": "Correo",
        "priority": "Prioridad",
        "all_teams": "Todos los equipos",
        "all_themes": "Todos los temas",
        "themes": "Se queja de",
        "filter": "Filtrar",
        "done": "Hecho",
        "year": "Año",
        "nps_trend": "NPS por mes",
        "target": "objetivo",
        "target_title": "Objetivo",
        "open": "Abiertos",
        "unassigned": "Sin asignar",
        "split": "Promotores, pasivos y detractores por mes",
        "promoters": "Promotores",
        "passives": "Pasivos",
        "detractors": "Detractores",
        "loop": "Cierre del ciclo",
        "month": "Mes",
        "nps": "NPS",
        "interval": "Intervalo del 95%",
        "unreliable": "menos de 30 respuestas: poco fiable",
        "cases_opened": "Casos abiertos",
        "acknowledged": "Aceptados",
        "contacted": "Contactados",
        "closed": "Cerrados",
        "closed_within_sla": "Cerrados dentro del SLA",
        "recontact_rate": "Detractores de nuevo en 90 días",
        "median": "mediana",
        "p90": "percentil 90",
        "time_to_acknowledge": "Tiempo hasta aceptar",
        "time_to_contact": "Tiempo hasta el primer contacto",
        "time_to_close": "Tiempo hasta cerrar",
        "business_time": "tiempo laborable",
        "wall_time": "tiempo real",
        "backlog": "Casos abiertos por antigüedad",
        # The recovery follow-ups (reports and review)
        "recovery": "Recuperación: ¿lo resolvimos?",
        "recovery_help": (
            "A los clientes de casos cerrados como resueltos se les preguntó si su problema quedó resuelto; se "
            "cuentan por la fecha del cierre."
        ),
        "rec_followups": "Seguimientos",
        "rec_sent": "Enviados",
        "rec_answered": "Respondidos",
        "rec_confirmed": "Confirmaron la solución",
        "rec_reopened": "Reabiertos",
        "rec_new_scores": "Nuevas notas (detractores / pasivos / promotores)",
        "rec_recovered": "Detractores recuperados",
        "no_followups": "Sin seguimientos",
        "none_sent": "aún ninguno enviado",
        "recovery_denominators": (
            "Respondidos: de los enviados. Confirmaron la solución: los «sí» de las respuestas con sí o no. "
            "Reabiertos: de las respuestas (un «no», o una nueva nota de 0 a 6, reabre el caso). Detractores "
            "recuperados: nuevas notas de 7 a 10 de las nuevas notas (todo caso se abre por un detractor)."
        ),
        "year_to_date": "En lo que va de año",
        "no_target": "No hay objetivo para este año.",
        "gap": "diferencia",
        "by_team": "Por equipo",
        "by_agent": "Por agente",
        "export": "Exportar casos (CSV)",
        "language": "English",
        "session_expired": "Inicia sesión.",
        "forbidden": "Tu rol no permite esto.",
        # La revisión mensual y la página Por qué
        "review": "Revisión mensual",
        "why": "Por qué",
        "top_themes": "Temas principales entre los detractores",
        "theme": "Tema",
        "share_of_detractors": "Proporción de detractores",
        "points_at_stake": "Puntos de NPS en juego",
        "points_help": (
            "Cuánto subiría el NPS si los detractores que mencionan el tema hubieran sido pasivos. "
            "Un detractor puede mencionar varios temas, así que los puntos se solapan."
        ),
        "movers": "Temas que más cambiaron desde el mes anterior",
        "before": "Mes anterior",
        "now": "Este mes",
        "change": "Cambio",
        "reasons_recorded": "Motivos registrados por los agentes al cerrar",
        "actions_taken": "Acciones tomadas",
        "no_action": "sin código de acción",
        "comments_title": "Lo que dijeron los clientes (datos personales ocultos)",
        "company": "Empresa",
        "transactional": "Transaccional",
        "relational": "Relacional",
        "contacted_within_sla": "Contactados dentro del SLA",
        "show": "Ver",
        "from_month": "Desde",
        "to_month": "Hasta",
        "theme_pareto": "Temas entre los detractores (Pareto)",
        "nps_by_theme": "NPS de las respuestas que mencionan cada tema",
        "theme_trends": "Proporción de detractores por tema y mes",
        "no_themes": "No hay comentarios de detractores con temas en este periodo.",
        "cases": "Casos",
        "cumulative": "acumulado",
        "riskiest": "Casos abiertos con más riesgo de acabar mal",
        "risk": "Riesgo",
        # Por qué un caso está en riesgo (domain.risk.RiskReason), en la página del caso y en el resumen
        "risk_score": "nota {score}",
        "risk_themes": "temas: {themes}",
        "risk_unresolved_one": "1 caso sin resolver antes",
        "risk_unresolved": "{count} casos sin resolver antes",
        "risk_repeat": "detractor reincidente",
        "risk_tier": "nivel: {tier}",
        # Motivos al cerrar (la página del caso)
        "themes_found": "Temas de los comentarios",
        "negative": "queja",
        "positive": "elogio",
        "reasons": "Motivos",
        "reasons_help": "Marcados según las quejas del cliente: confirma o corrige.",
        "reasons_required": "Este equipo exige al menos un motivo para cerrar un caso.",
        "action_code": "Acción tomada",
        "action_note": "Qué se hizo",
        "action_refund": "Reembolso",
        "action_replacement": "Sustitución",
        "action_callback": "Llamada de vuelta",
        "action_explanation": "Explicación",
        "action_process_fix": "Mejora del proceso",
        **ADMIN_WORDS["es"],  # la sección de administración (/ui/admin)
        **AUDIT_WORDS["es"],  # el registro de auditoría (/ui/audit)
        **CONNECT_WORDS["es"],  # integraciones, destinos, tokens, mensajes fallidos (/ui/admin)
    },
}


def pick_language(requested: str | None, cookie: str | None, accept: str | None) -> str:
    """An explicit ?lang= wins, then the remembered choice, then the browser's first supported language."""
    for choice in (requested, cookie):
        if choice in LANGUAGES:
            return choice
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def words(language: str) -> dict[str, str]:
    return WORDS[language if language in LANGUAGES else "en"]


def risk_reasons(stored: Iterable[str] | None, language: str, theme_name: Callable[[str], str | None]) -> list[str]:
    """A case's risk reasons as stored (keys, or the English text of older cases) in `language`, themes named by
    `theme_name` (the taxonomy in force; a theme it no longer holds shows its key). A text no release wrote shows
    as it is: a reason is never hidden for being unreadable."""
    said = words(language)
    shown = []
    for text in stored or ():
        try:
            reason = RiskReason.parse(text)
        except InvalidRiskReason:
            shown.append(text)
            continue
        shown.append(_risk_reason(reason, said, theme_name))
    return shown


def _risk_reason(reason: RiskReason, said: dict[str, str], theme_name: Callable[[str], str | None]) -> str:
    match reason.code:
        case ReasonCode.SCORE:
            return said["risk_score"].format(score=reason.score)
        case ReasonCode.THEMES:
            return said["risk_themes"].format(themes=", ".join(theme_name(key) or key for key in reason.themes))
        case ReasonCode.UNRESOLVED:
            return said["risk_unresolved_one" if reason.count == 1 else "risk_unresolved"].format(count=reason.count)
        case ReasonCode.REPEAT:
            return said["risk_repeat"]
        case ReasonCode.TIER:
            return said["risk_tier"].format(tier=reason.tier)
