"""The admin section's words in English and Spanish, merged into dashboard.i18n.WORDS (a missing key fails
test_i18n, not an administrator's screen)."""

from __future__ import annotations

ADMIN_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "admin": "Administration",
        "routing_rules": "Routing rules",
        "audit": "Audit",
        "rules_yaml": "Rules (YAML)",
        "rules_help": (
            "First match wins; the last rule, with no match, takes everything else. A save that fails changes nothing."
        ),
        "rules_readonly": "Only an administrator can change the rules; you can try samples on the rules in force.",
        "no_rules": "No rules are loaded: cases go to the team owning the touchpoint, else the default team.",
        "save_rules": "Save rules",
        "rules_saved": "Rules saved: the next response is routed by them.",
        "on_line": "Line {line}",
        "nothing_saved": "Nothing was saved.",
        "try_it": "Try it",
        "try_help": (
            "Paste a response as JSON, as /v1/responses takes it (score, touchpoint, comment, language, "
            "attributes; response_id, customer and responded_at may be left out). Nothing is stored and no "
            "case opens."
        ),
        "try_editor_help": "The sample is tried on the rules in the editor, saved or not.",
        "sample": "Sample response (JSON)",
        "try_sample": "Try this sample",
        "tried_editor": "Tried on the rules in the editor (not necessarily saved).",
        "tried_stored": "Tried on the rules in force.",
        "rule": "Rule",
        "no_rule_loaded": "none loaded: the team owning the touchpoint",
        "no_team": "no team",
        "category": "Category",
        "would_open": "Would a case open?",
        "outcome_opens": "Yes: a case would open.",
        "outcome_joins": "No new case: it would join the customer's open case.",
        "outcome_rule_says_no": "No: the rule says open_case: false.",
        "outcome_not_detractor": "No: only detractors (0-6) open cases.",
        "themes_not_read": (
            "The comment model is not ready yet (the worker fits it after an upgrade): routed without themes."
        ),
        "outside_teams": "This sample would go to a team you do not supervise: try samples of your own teams.",
        "priority_low": "low",
        "priority_normal": "normal",
        "priority_high": "high",
        "priority_urgent": "urgent",
        "category_detractor": "detractor",
        "category_passive": "passive",
        "category_promoter": "promoter",
    },
    "es": {
        "admin": "Administración",
        "routing_rules": "Reglas de enrutamiento",
        "audit": "Auditoría",
        "rules_yaml": "Reglas (YAML)",
        "rules_help": (
            "Gana la primera que coincide; la última, sin match, se queda con todo lo demás. Un guardado que "
            "falla no cambia nada."
        ),
        "rules_readonly": (
            "Solo un administrador puede cambiar las reglas; puedes probar ejemplos con las reglas en vigor."
        ),
        "no_rules": (
            "No hay reglas cargadas: los casos van al equipo dueño del punto de contacto, si no al equipo por defecto."
        ),
        "save_rules": "Guardar reglas",
        "rules_saved": "Reglas guardadas: la próxima respuesta se enruta con ellas.",
        "on_line": "Línea {line}",
        "nothing_saved": "No se guardó nada.",
        "try_it": "Pruébalo",
        "try_help": (
            "Pega una respuesta en JSON, como la recibe /v1/responses (score, touchpoint, comment, language, "
            "attributes; response_id, customer y responded_at pueden faltar). No se guarda nada ni se abre "
            "ningún caso."
        ),
        "try_editor_help": "El ejemplo se prueba con las reglas del editor, guardadas o no.",
        "sample": "Respuesta de ejemplo (JSON)",
        "try_sample": "Probar este ejemplo",
        "tried_editor": "Probado con las reglas del editor (no necesariamente guardadas).",
        "tried_stored": "Probado con las reglas en vigor.",
        "rule": "Regla",
        "no_rule_loaded": "ninguna cargada: el equipo dueño del punto de contacto",
        "no_team": "ningún equipo",
        "category": "Categoría",
        "would_open": "¿Se abriría un caso?",
        "outcome_opens": "Sí: se abriría un caso.",
        "outcome_joins": "No se abriría otro: se sumaría al caso abierto del cliente.",
        "outcome_rule_says_no": "No: la regla dice open_case: false.",
        "outcome_not_detractor": "No: solo los detractores (0-6) abren casos.",
        "themes_not_read": (
            "El modelo de comentarios aún no está listo (el worker lo ajusta tras una actualización): enrutado sin "
            "temas."
        ),
        "outside_teams": "Este ejemplo iría a un equipo que no supervisas: prueba ejemplos de tus equipos.",
        "priority_low": "baja",
        "priority_normal": "normal",
        "priority_high": "alta",
        "priority_urgent": "urgente",
        "category_detractor": "detractor",
        "category_passive": "pasivo",
        "category_promoter": "promotor",
    },
}
