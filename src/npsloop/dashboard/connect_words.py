"""The words of the admin section's connection pages (integrations and their per-kind setup, outbound endpoints and
their delivery log, tokens, dead letters) in English and Spanish, merged into dashboard.i18n.WORDS. The per-kind
setup instructions live here once (the README's table of kinds, as steps): the onboarding reuses them."""

from __future__ import annotations

CONNECT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "integrations": "Integrations",
        "integrations_help": (
            "The survey tools allowed to post responses, each with its own secret. A secret is shown once, on the "
            "page that answers its creation or rotation: copy it then."
        ),
        "no_integrations": "No integrations yet: add the first one below.",
        "add_integration": "Add an integration",
        "integration_name": "Name",
        "integration_name_help": "Lowercase letters, digits, '-' and '_', at most 64: it is part of the URL.",
        "kind": "Kind",
        "tool_secret": "The tool's secret",
        "tool_secret_help": (
            "Only for Delighted (the API key), SurveyMonkey (the app secret) and Formbricks (its whsec_ key); "
            "empty for the others: one is made for you."
        ),
        "settings": "Settings (YAML)",
        "settings_help": "One key: value a line, like score_field: nps. Empty when the kind needs none.",
        "settings_not_mapping": "the settings must be key: value lines (a YAML mapping)",
        "url_to_paste": "URL to paste in the tool",
        "rotated": "Rotated",
        "old_secret_until": "Old secret valid until",
        "rotate": "Rotate the secret",
        "grace_hours": "Hours the old secret keeps working",
        "grace_help": "0 to 720. The tool keeps posting with the old one while you paste the new one.",
        "new_secret": "New secret (only for tools that issue their own)",
        "remove": "Remove",
        "remove_named": "Remove {name}",
        "removed": "Removed.",
        "secret_once": "Shown this once",
        "secret_once_help": (
            "Copy it now: it is not stored in clear and no page shows it again. Lost, it is rotated, not recovered."
        ),
        "integration_added": "Integration {name} added.",
        "integration_rotated": "The secret of {name} was rotated; the old one works until {until}.",
        "secret_given": "The secret you gave is kept; it is not shown again.",
        "setup_title": "In the survey tool",
        "setup_url": "Paste this URL as the webhook's address:",
        "setup_delighted": (
            "Delighted: Settings > Integrations > Webhooks, a webhook for survey_response.created and "
            ".updated with this URL. Its signature key is the account's API key, given above as the secret."
        ),
        "setup_typeform": (
            "Typeform: Connect > Webhooks > Add a webhook with this URL, then Edit > Secret: paste the secret "
            "shown here. Settings: score_field, comment_field (a field's ref or id), customer_hidden_field."
        ),
        "setup_surveymonkey": (
            "SurveyMonkey: create a webhook for response_completed with this URL (its API). The secret is your "
            "app's secret; settings api_key, access_token, score_question, comment_question."
        ),
        "setup_formbricks": (
            "Formbricks: Configuration > Integrations > Webhooks, this URL, triggers responseCreated, Updated and "
            "Finished. Its whsec_ signing secret is the one given above; settings score_question, comment_question."
        ),
        "setup_qualtrics": (
            "Qualtrics: an event subscription for completedResponse publishing to this URL, with ?key= and the "
            "secret shown here at its end. Settings api_base, api_token, score_question, comment_question."
        ),
        "setup_mapping": (
            "Any tool: post JSON to this URL signed with NPSLoop-Signature (HMAC-SHA256 of the timestamp and the "
            "body, as /v1/responses) using the secret shown here. Settings: fields (the paths to read)."
        ),
        "setup_secret_kept": "The secret goes where the step above says; it is never shown in a URL list.",
        "endpoints": "Outbound endpoints",
        "endpoints_help": (
            "Where case events go out: Slack, Microsoft Teams, or a signed webhook to a helpdesk. A Slack or Teams "
            "URL is a credential: only its host is listed."
        ),
        "no_endpoints": "No endpoints yet.",
        "add_endpoint": "Add an endpoint",
        "endpoint_url": "URL",
        "endpoint_url_help": "A Slack incoming-webhook URL, a Teams Workflows URL, or the receiver's HTTPS address.",
        "events": "Events",
        "endpoint_added": "Endpoint {name} added.",
        "signing_secret_help": "Its signing secret: the receiver checks NPSLoop-Signature with it.",
        "deliveries": "Delivery log",
        "deliveries_help": "Newest first: what was sent, how many attempts, what the far side answered last.",
        "no_deliveries": "Nothing sent yet.",
        "delivery": "Delivery",
        "endpoint": "Endpoint",
        "event": "Event",
        "attempts": "Attempts",
        "last_answer": "Last answer",
        "redeliver": "Send again",
        "redelivered": "Delivery {id} will be sent again.",
        "all_endpoints": "All endpoints",
        "any_status": "Any status",
        "show_these": "Show",
        "tokens": "API tokens",
        "tokens_help": "A token is shown once, when made; the list keeps only its first characters.",
        "no_tokens": "No tokens yet.",
        "create_token": "Create a token",
        "token_name": "Name",
        "token_name_help": "Who or what holds it: up to 100 letters, digits, spaces, dots, @, '-' or '_'.",
        "role": "Role",
        "token_agent": "Acts as agent",
        "token_agent_help": "Required for the agent role: the token acts as this agent.",
        "expires_days": "Expires in (days)",
        "expires_help": "1 to 3650; empty: never.",
        "expires_number": "a whole number of days from 1 to 3650",
        "token_created": "Token {name} created.",
        "token_once_help": "Give it to whoever needs it now: no page shows it again, and only its hash is stored.",
        "prefix": "Starts with",
        "token_status": "Status",
        "last_used": "Last used",
        "expires": "Expires",
        "never": "never",
        "revoke": "Revoke",
        "revoke_named": "Revoke {name}",
        "revoked": "Revoked: the token stops working at once.",
        "dead_letters": "Dead letters",
        "dead_letters_help": (
            "Alerts that failed every attempt or were refused for good. A retry gives them fresh attempts; a "
            "refused number or address fails again until it is fixed."
        ),
        "no_dead_letters": "No dead letters.",
        "channel": "Channel",
        "state": "State",
        "last_error": "Last error",
        "retry": "Retry",
        "retry_named": "Retry dead letter {id}",
        "retry_all": "Retry all",
        "include_failed": "Also the ones refused for good",
        "retried": "Replayed: {notifications} alerts, {responses} responses, {tasks} task messages.",
        "quarantine": "Quarantine",
        "quarantine_help": (
            "Responses whose processing kept failing, and task messages that could not run. Phone numbers and "
            "email addresses are masked; retry all replays them."
        ),
        "nothing_quarantined": "Nothing quarantined.",
        "response": "Response",
        "task": "Task",
        "failures": "Failures",
        "back_to_list": "Back to the list",
        "confirm_remove": "Yes, remove {name}",
        "confirm_revoke": "Yes, revoke {name}",
        "confirm_needed": "Tick the box to confirm: nothing was changed.",
        "which_delivery": "Say which delivery to send again.",
    },
    "es": {
        "integrations": "Integraciones",
        "integrations_help": (
            "Las herramientas de encuestas que pueden enviar respuestas, cada una con su secreto. Un secreto se "
            "muestra una vez, en la página que responde a su creación o rotación: cópialo entonces."
        ),
        "no_integrations": "Aún no hay integraciones: añade la primera abajo.",
        "add_integration": "Añadir una integración",
        "integration_name": "Nombre",
        "integration_name_help": "Minúsculas, cifras, '-' y '_', hasta 64: forma parte de la URL.",
        "kind": "Tipo",
        "tool_secret": "El secreto de la herramienta",
        "tool_secret_help": (
            "Solo para Delighted (la clave de API), SurveyMonkey (el secreto de la app) y Formbricks (su clave "
            "whsec_); vacío para las demás: se genera uno."
        ),
        "settings": "Ajustes (YAML)",
        "settings_help": "Un clave: valor por línea, como score_field: nps. Vacío si el tipo no necesita ninguno.",
        "settings_not_mapping": "los ajustes deben ser líneas clave: valor (un mapa YAML)",
        "url_to_paste": "URL que pegar en la herramienta",
        "rotated": "Rotado",
        "old_secret_until": "El secreto anterior vale hasta",
        "rotate": "Rotar el secreto",
        "grace_hours": "Horas que sigue valiendo el secreto anterior",
        "grace_help": "De 0 a 720. La herramienta sigue enviando con el anterior mientras pegas el nuevo.",
        "new_secret": "Secreto nuevo (solo para herramientas que emiten el suyo)",
        "remove": "Quitar",
        "remove_named": "Quitar {name}",
        "removed": "Quitado.",
        "secret_once": "Se muestra esta única vez",
        "secret_once_help": (
            "Cópialo ahora: no se guarda en claro y ninguna página vuelve a mostrarlo. Si se pierde, se rota; no "
            "se recupera."
        ),
        "integration_added": "Integración {name} añadida.",
        "integration_rotated": "Se rotó el secreto de {name}; el anterior vale hasta {until}.",
        "secret_given": "Se guarda el secreto que diste; no se vuelve a mostrar.",
        "setup_title": "En la herramienta de encuestas",
        "setup_url": "Pega esta URL como dirección del webhook:",
        "setup_delighted": (
            "Delighted: Settings > Integrations > Webhooks, un webhook para survey_response.created y .updated "
            "con esta URL. Su clave de firma es la clave de API de la cuenta, dada arriba como secreto."
        ),
        "setup_typeform": (
            "Typeform: Connect > Webhooks > Add a webhook con esta URL, luego Edit > Secret: pega el secreto que "
            "se muestra aquí. Ajustes: score_field, comment_field (ref o id del campo), customer_hidden_field."
        ),
        "setup_surveymonkey": (
            "SurveyMonkey: crea un webhook para response_completed con esta URL (por su API). El secreto es el de "
            "tu app; ajustes api_key, access_token, score_question, comment_question."
        ),
        "setup_formbricks": (
            "Formbricks: Configuration > Integrations > Webhooks, esta URL, disparadores responseCreated, Updated "
            "y Finished. Su secreto de firma whsec_ es el dado arriba; ajustes score_question, comment_question."
        ),
        "setup_qualtrics": (
            "Qualtrics: una suscripción a completedResponse que publique en esta URL, con ?key= y el secreto "
            "mostrado aquí al final. Ajustes api_base, api_token, score_question, comment_question."
        ),
        "setup_mapping": (
            "Cualquier herramienta: envía JSON a esta URL firmado con NPSLoop-Signature (HMAC-SHA256 de la marca "
            "de tiempo y el cuerpo, como /v1/responses) con el secreto mostrado aquí. Ajustes: fields (las rutas)."
        ),
        "setup_secret_kept": "El secreto va donde dice el paso de arriba; nunca aparece en una lista de URL.",
        "endpoints": "Destinos de salida",
        "endpoints_help": (
            "A dónde salen los eventos de los casos: Slack, Microsoft Teams o un webhook firmado a un helpdesk. "
            "Una URL de Slack o Teams es una credencial: solo se lista su host."
        ),
        "no_endpoints": "Aún no hay destinos.",
        "add_endpoint": "Añadir un destino",
        "endpoint_url": "URL",
        "endpoint_url_help": (
            "Una URL de incoming webhook de Slack, de Workflows de Teams, o la dirección HTTPS del receptor."
        ),
        "events": "Eventos",
        "endpoint_added": "Destino {name} añadido.",
        "signing_secret_help": "Su secreto de firma: el receptor comprueba NPSLoop-Signature con él.",
        "deliveries": "Registro de envíos",
        "deliveries_help": "Lo más reciente primero: qué se envió, cuántos intentos, qué respondió el otro lado.",
        "no_deliveries": "Aún no se ha enviado nada.",
        "delivery": "Envío",
        "endpoint": "Destino",
        "event": "Evento",
        "attempts": "Intentos",
        "last_answer": "Última respuesta",
        "redeliver": "Enviar otra vez",
        "redelivered": "El envío {id} se enviará otra vez.",
        "all_endpoints": "Todos los destinos",
        "any_status": "Cualquier estado",
        "show_these": "Mostrar",
        "tokens": "Tokens de API",
        "tokens_help": "Un token se muestra una vez, al crearlo; la lista solo guarda sus primeros caracteres.",
        "no_tokens": "Aún no hay tokens.",
        "create_token": "Crear un token",
        "token_name": "Nombre",
        "token_name_help": "Quién o qué lo tiene: hasta 100 letras, cifras, espacios, puntos, @, '-' o '_'.",
        "role": "Rol",
        "token_agent": "Actúa como el agente",
        "token_agent_help": "Obligatorio para el rol agent: el token actúa como este agente.",
        "expires_days": "Caduca en (días)",
        "expires_help": "De 1 a 3650; vacío: nunca.",
        "expires_number": "un número entero de días de 1 a 3650",
        "token_created": "Token {name} creado.",
        "token_once_help": (
            "Dáselo ahora a quien lo necesite: ninguna página vuelve a mostrarlo y solo se guarda su hash."
        ),
        "prefix": "Empieza por",
        "token_status": "Estado",
        "last_used": "Último uso",
        "expires": "Caduca",
        "never": "nunca",
        "revoke": "Revocar",
        "revoke_named": "Revocar {name}",
        "revoked": "Revocado: el token deja de funcionar en el acto.",
        "dead_letters": "Mensajes fallidos",
        "dead_letters_help": (
            "Avisos que agotaron sus intentos o fueron rechazados para siempre. Reintentar les da intentos "
            "nuevos; un número o una dirección rechazados fallan otra vez hasta que se corrigen."
        ),
        "no_dead_letters": "No hay mensajes fallidos.",
        "channel": "Canal",
        "state": "Estado",
        "last_error": "Último error",
        "retry": "Reintentar",
        "retry_named": "Reintentar el mensaje fallido {id}",
        "retry_all": "Reintentar todos",
        "include_failed": "También los rechazados para siempre",
        "retried": "Reenviados: {notifications} avisos, {responses} respuestas, {tasks} tareas.",
        "quarantine": "Cuarentena",
        "quarantine_help": (
            "Respuestas cuyo procesado siguió fallando y tareas que no pudieron ejecutarse. Teléfonos y correos "
            "van enmascarados; reintentar todos las reenvía."
        ),
        "nothing_quarantined": "Nada en cuarentena.",
        "response": "Respuesta",
        "task": "Tarea",
        "failures": "Fallos",
        "back_to_list": "Volver a la lista",
        "confirm_remove": "Sí, quitar {name}",
        "confirm_revoke": "Sí, revocar {name}",
        "confirm_needed": "Marca la casilla para confirmar: no se cambió nada.",
        "which_delivery": "Indica qué envío enviar otra vez.",
    },
}
