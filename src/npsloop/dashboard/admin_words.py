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
        "pick_recent": "Or start from the response of an open case",
        "use_recent": "Use it",
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
        "teams": "Teams",
        "touchpoints": "Touchpoints",
        "touchpoints_help": "The touchpoints whose responses this team follows up, separated by commas.",
        "default_team": "Default team",
        "default_team_help": (
            "Takes the responses of touchpoints no team owns (one team at most: this one replaces it)."
        ),
        "default_team_short": "default",
        "no_teams": "No teams yet: add the first one below.",
        "add_team": "Add a team",
        "team_name": "Name",
        "team_name_rule": "A name of up to 100 letters, digits, spaces, dots, @, hyphens or underscores.",
        "schedule": "Business hours",
        "timezone": "Time zone",
        "timezone_help": "IANA zone, like Europe/Madrid or America/Bogota.",
        "hours": "Hours",
        "hours_help": "Like mon-fri 09:00-17:00, sat 10:00-14:00",
        "holiday_country": "Public holidays of",
        "holiday_country_help": "A country code, with a region if it has its own, like ES, ES-MD or CO. Empty: none.",
        "extra_holidays": "Days closed besides",
        "extra_holidays_help": "One date a line, like 2026-12-24.",
        "after_hours": "Outside business hours",
        "after_hours_help": (
            "Queue: alerts wait for the opening (agents on call are alerted now). Contact: the agent below is alerted "
            "at once."
        ),
        "policy_queue": "queue until the opening",
        "policy_contact": "alert the after-hours contact",
        "after_hours_contact": "After-hours contact",
        "sla_title": "SLA per priority (business time)",
        "sla_help": (
            "Like 15m, 4h, 1d (the team's business day) or 1h30m. Empty: the normal priority's, else 15m, 4h and "
            "1d. A deadline once set is changed here, not removed, as with the CLI."
        ),
        "sla_acknowledge": "Acknowledge",
        "sla_contact": "Contact",
        "sla_close": "Close",
        "escalation": "Escalation chain",
        "escalation_steps": "Steps, one a line",
        "escalation_help": (
            "Business time after a missed deadline, who, and how: like 0m team, 30m supervisors sms,email or "
            "1h agent:Marta whatsapp. Empty: 0m team, 30m supervisors, 2h heads."
        ),
        "save_team": "Save the team",
        "recovery_setting": "Recovery follow-up",
        "recovery_setting_help": (
            "Whether the customers of this team's cases closed as resolved are asked if their problem was solved. "
            "Saved on its own, from the next closure on."
        ),
        "recovery_off": "never ask",
        "recovery_ask": "ask every customer whose case closed resolved",
        "recovery_themes": "only detractors whose response named one of these themes",
        "save_recovery": "Save the follow-up",
        "recovery_theme_list": "Themes that trigger it (with the last choice only)",
        "team_save_help": "Everything on this page is saved together, or nothing is when a field has a mistake.",
        "agents": "Agents",
        "no_agents": "No agents yet.",
        "agents_masked": "Phones and emails are masked here; an administrator sees them on the agent's page.",
        "add_agent": "Add an agent",
        "agent_name": "Name",
        "agent_name_help": "Up to 100 letters, digits, spaces, dots, @, hyphens or underscores; it cannot change.",
        "agent_phone_help": "International form, like +34600123456, or a national number with its country below.",
        "agent_country": "Country of a national number",
        "agent_country_none": "none: international form (+…)",
        "agent_email": "Email",
        "agent_language": "Language of their alerts",
        "agent_role": "Role",
        "agent_role_help": "Who escalation steps reach: supervisors and heads are alerted when a deadline is missed.",
        "agent_role_agent": "agent",
        "agent_role_supervisor": "supervisor",
        "agent_role_head": "head",
        "agent_channels": "Channels in order of preference",
        "agent_channels_help": (
            "An alert goes to the first; each failure for good moves it to the next. None chosen: SMS and email "
            "at once."
        ),
        "agent_channel_1": "First",
        "agent_channel_2": "Second",
        "agent_channel_3": "Third",
        "agent_channel_sms": "SMS",
        "agent_channel_whatsapp": "WhatsApp",
        "agent_channel_email": "Email",
        "agent_hours": "Working hours",
        "agent_hours_help": "In the team's time zone, like mon-fri 09:00-13:00. Empty: the team's hours.",
        "agent_on_call": "On call: alerted outside their hours too",
        "agent_details": "Details",
        "agent_details_help": "Team, contact, language and role are saved together, or nothing is.",
        "agent_save_details": "Save the details",
        "agent_save_channels": "Save the channels",
        "agent_save_hours": "Save hours and on call",
        "agent_duty": "Duty",
        "agent_off_until": "Off duty until",
        "agent_off_until_help": (
            "Not alerted until the start of this day in the team's time zone ({zone}); the rest of the team is."
        ),
        "agent_set_off": "Put off duty",
        "agent_back_on": "Back on duty now",
        "agent_on_duty": "On duty",
        "agent_off_until_day": "Off duty until {day}",
        "agent_active": "Active",
        "agent_active_help": "A deactivated agent is alerted of nothing; their cases and alerts are kept.",
        "agent_deactivated": "Deactivated",
        "agent_deactivate": "Deactivate",
        "agent_reactivate": "Reactivate",
        "agent_duty_only": "You set this agent's duty (off duty, hours, on call); the rest is an administrator's.",
        "agent_recent": "Latest alerts",
        "agent_recent_help": "The last 20, newest first, and how each went.",
        "agent_no_alerts": "No alert has gone to this agent yet.",
        "agent_alert_case": "Case",
        "agent_alert_kind": "Alert",
        "agent_alert_channel": "Channel",
        "agent_alert_state": "State",
        "agent_alert_delivery": "Delivery",
        "agent_alert_when": "When",
        "agent_default_channels": "SMS and email at once",
        "agent_event_case_opened": "new case",
        "agent_event_reminder": "reminder",
        "agent_event_escalation": "escalation",
        "agent_event_assigned": "assigned",
        "agent_event_digest": "digest",
        "agent_event_reopened": "reopened",
        "agent_state_pending": "waiting",
        "agent_state_held": "waiting for their hours",
        "agent_state_sending": "sending",
        "agent_state_sent": "sent",
        "agent_state_failed": "failed",
        "agent_state_dead": "failed after retries",
        "agent_state_folded": "in a digest",
        # Setting up a fresh installation (/ui/admin/onboarding)
        "onb_title": "Set up npsloop",
        "onb_step": "Step {n} of 3",
        "onb_team_title": "Your first team",
        "onb_team_intro": (
            "No team exists yet, so no response can become a case. Start with the team that follows up unhappy "
            "customers: the touchpoints it owns, and when it works."
        ),
        "onb_create_team": "Create the team",
        "onb_agents_title": "Who is alerted",
        "onb_agents_intro": (
            "Add the agents of {team} who are alerted of new cases, by SMS and email. Add as many as you want, one "
            "at a time; you can add more later."
        ),
        "onb_agent_name": "Agent's name",
        "onb_phone": "Mobile phone",
        "onb_phone_help": "International format, like +34600123456. Empty if they have none.",
        "onb_email": "Email",
        "onb_language": "Language of their alerts",
        "onb_role": "Role",
        "onb_role_agent": "agent",
        "onb_role_supervisor": "supervisor",
        "onb_role_head": "head",
        "onb_add_agent": "Add the agent",
        "onb_agent_added": "Agent added.",
        "onb_agents_so_far": "Agents of the team",
        "onb_no_agents": "No agents yet.",
        "onb_next_integration": "Next: connect the survey tool",
        "onb_contact_needed": "give the agent a phone or an email, or they cannot be alerted",
        "onb_integration_title": "Connect your survey tool",
        "onb_integration_intro": (
            "Say which tool sends the responses. npsloop makes the secret the tool signs them with; the next page "
            "shows it once, with the address to paste into the tool."
        ),
        "onb_integration_name": "Name of the connection",
        "onb_integration_name_help": (
            "Lowercase letters, digits, - and _, like typeform-nps. It is part of the address."
        ),
        "onb_kind": "Survey tool",
        "onb_kind_typeform": "Typeform (its webhooks, with a secret)",
        "onb_kind_mapping": "Another tool or your own code (npsloop's JSON, signed with NPSLoop-Signature)",
        "onb_kind_help": (
            "Delighted, SurveyMonkey, Formbricks and Qualtrics issue their own secrets or are read back from their "
            "API: add them from the command line (npsloop integrations add) once setup is done."
        ),
        "onb_touchpoint": "Touchpoint of its responses",
        "onb_touchpoint_help": "Which touchpoint the responses of this tool are about.",
        "onb_create_integration": "Create the connection",
        "onb_done_title": "Paste this into your survey tool",
        "onb_done_intro": "The connection {name} is ready. Give the tool this address and this secret:",
        "onb_url": "Address (URL) of the webhook",
        "onb_secret": "Secret",
        "onb_secret_once": (
            "The secret is shown this once: copy it now. npsloop keeps it encrypted and never shows it again; "
            "if it is lost, rotate it."
        ),
        "onb_howto_typeform": (
            "In Typeform: your form, Connect, Webhooks, Add a webhook: paste the address, then Edit, Secret: paste "
            "the secret. Add a hidden field customer_id to know who answered."
        ),
        "onb_howto_mapping": (
            "POST each response as JSON to the address, signed in the NPSLoop-Signature header (t=<unix "
            "time>,v1=<hex HMAC-SHA256 of '<t>.<body>'> with the secret), like /v1/responses takes it."
        ),
        "onb_test_title": "Send a test response",
        "onb_test_help": (
            "npsloop posts a detractor's sample, signed with this connection's secret, to the address above, as the "
            "tool will; it becomes a case like a real one (its agents are alerted) and is marked as a test."
        ),
        "onb_send_test": "Send a test response",
        "onb_sent_title": "Test response",
        "onb_waiting": "Received: waiting for the worker to make it a case.",
        "onb_check_again": "Check again",
        "onb_arrived": "It arrived: case #{case}.",
        "onb_open_case": "Open the case",
        "onb_no_case": "Processed, but no case opened: the routing rules keep this touchpoint from opening cases.",
        "onb_quarantined": "Processing failed again and again: the response is held in quarantine.",
        "onb_refused": "The test response was refused ({status}): {reason}",
        "onb_is_test": "This response is marked as a test.",
        "onb_finished": "Setup is done. Go to the open cases",
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
        "pick_recent": "O parte de la respuesta de un caso abierto",
        "use_recent": "Usarla",
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
        "teams": "Equipos",
        "touchpoints": "Puntos de contacto",
        "touchpoints_help": "Los puntos de contacto cuyas respuestas sigue este equipo, separados por comas.",
        "default_team": "Equipo por defecto",
        "default_team_help": (
            "Recibe las respuestas de puntos de contacto sin equipo (uno como mucho: este sustituye al que lo sea)."
        ),
        "default_team_short": "por defecto",
        "no_teams": "Aún no hay equipos: añade el primero abajo.",
        "add_team": "Añadir un equipo",
        "team_name": "Nombre",
        "team_name_rule": "Un nombre de hasta 100 letras, cifras, espacios, puntos, @, guiones o guiones bajos.",
        "schedule": "Horario",
        "timezone": "Zona horaria",
        "timezone_help": "Zona IANA, como Europe/Madrid o America/Bogota.",
        "hours": "Horas",
        "hours_help": "Como mon-fri 09:00-17:00, sat 10:00-14:00",
        "holiday_country": "Festivos de",
        "holiday_country_help": (
            "Un código de país, con región si tiene los suyos, como ES, ES-MD o CO. Vacío: ninguno."
        ),
        "extra_holidays": "Otros días cerrados",
        "extra_holidays_help": "Una fecha por línea, como 2026-12-24.",
        "after_hours": "Fuera del horario",
        "after_hours_help": (
            "Esperar: los avisos esperan a la apertura (los agentes de guardia reciben el suyo ya). Contacto: se avisa "
            "al agente de abajo en el acto."
        ),
        "policy_queue": "esperar a la apertura",
        "policy_contact": "avisar al contacto fuera de horario",
        "after_hours_contact": "Contacto fuera de horario",
        "sla_title": "SLA por prioridad (tiempo laborable)",
        "sla_help": (
            "Como 15m, 4h, 1d (la jornada del equipo) o 1h30m. Vacío: el de la prioridad normal, si no 15m, 4h y "
            "1d. Un plazo ya fijado se cambia aquí, no se quita, como con la CLI."
        ),
        "sla_acknowledge": "Aceptar",
        "sla_contact": "Contactar",
        "sla_close": "Cerrar",
        "escalation": "Cadena de escalado",
        "escalation_steps": "Pasos, uno por línea",
        "escalation_help": (
            "Tiempo laborable tras un plazo incumplido, a quién y cómo: como 0m team, 30m supervisors sms,email o "
            "1h agent:Marta whatsapp. Vacío: 0m team, 30m supervisors, 2h heads."
        ),
        "save_team": "Guardar el equipo",
        "recovery_setting": "Seguimiento de recuperación",
        "recovery_setting_help": (
            "Si a los clientes de los casos de este equipo cerrados como resueltos se les pregunta si su problema "
            "quedó resuelto. Se guarda por separado, desde el próximo cierre."
        ),
        "recovery_off": "no preguntar nunca",
        "recovery_ask": "preguntar a todo cliente cuyo caso se cerró resuelto",
        "recovery_themes": "solo a los detractores cuya respuesta mencionó uno de estos temas",
        "save_recovery": "Guardar el seguimiento",
        "recovery_theme_list": "Temas que lo activan (solo con la última opción)",
        "team_save_help": "Todo lo de esta página se guarda junto, o nada si un campo tiene un error.",
        "agents": "Agentes",
        "no_agents": "Aún no hay agentes.",
        "agents_masked": "Teléfonos y correos aparecen enmascarados; un administrador los ve en la página del agente.",
        "add_agent": "Añadir un agente",
        "agent_name": "Nombre",
        "agent_name_help": (
            "Hasta 100 letras, cifras, espacios, puntos, @, guiones o guiones bajos; no se puede cambiar."
        ),
        "agent_phone_help": "Formato internacional, como +34600123456, o un número nacional con su país abajo.",
        "agent_country": "País de un número nacional",
        "agent_country_none": "ninguno: formato internacional (+…)",
        "agent_email": "Correo",
        "agent_language": "Idioma de sus avisos",
        "agent_role": "Rol",
        "agent_role_help": (
            "A quién llegan los pasos de escalado: supervisores y jefes reciben aviso si se incumple un plazo."
        ),
        "agent_role_agent": "agente",
        "agent_role_supervisor": "supervisor",
        "agent_role_head": "jefe",
        "agent_channels": "Canales por orden de preferencia",
        "agent_channels_help": (
            "Un aviso va al primero; cada fallo definitivo lo pasa al siguiente. Sin elegir: SMS y correo a la vez."
        ),
        "agent_channel_1": "Primero",
        "agent_channel_2": "Segundo",
        "agent_channel_3": "Tercero",
        "agent_channel_sms": "SMS",
        "agent_channel_whatsapp": "WhatsApp",
        "agent_channel_email": "Correo",
        "agent_hours": "Horario de trabajo",
        "agent_hours_help": "En la zona horaria del equipo, como mon-fri 09:00-13:00. Vacío: el horario del equipo.",
        "agent_on_call": "De guardia: recibe avisos también fuera de su horario",
        "agent_details": "Datos",
        "agent_details_help": "Equipo, contacto, idioma y rol se guardan juntos, o nada.",
        "agent_save_details": "Guardar los datos",
        "agent_save_channels": "Guardar los canales",
        "agent_save_hours": "Guardar horario y guardia",
        "agent_duty": "Disponibilidad",
        "agent_off_until": "Fuera de servicio hasta",
        "agent_off_until_help": (
            "No recibe avisos hasta el inicio de ese día en la zona del equipo ({zone}); el resto del equipo sí."
        ),
        "agent_set_off": "Poner fuera de servicio",
        "agent_back_on": "De vuelta en servicio ya",
        "agent_on_duty": "En servicio",
        "agent_off_until_day": "Fuera de servicio hasta el {day}",
        "agent_active": "Activo",
        "agent_active_help": "Un agente desactivado no recibe ningún aviso; sus casos y avisos se conservan.",
        "agent_deactivated": "Desactivado",
        "agent_deactivate": "Desactivar",
        "agent_reactivate": "Reactivar",
        "agent_duty_only": (
            "Puedes fijar la disponibilidad de este agente (fuera de servicio, horario, guardia); lo demás "
            "es de un administrador."
        ),
        "agent_recent": "Últimos avisos",
        "agent_recent_help": "Los 20 últimos, del más reciente al más antiguo, y cómo fue cada uno.",
        "agent_no_alerts": "Aún no se ha enviado ningún aviso a este agente.",
        "agent_alert_case": "Caso",
        "agent_alert_kind": "Aviso",
        "agent_alert_channel": "Canal",
        "agent_alert_state": "Estado",
        "agent_alert_delivery": "Entrega",
        "agent_alert_when": "Cuándo",
        "agent_default_channels": "SMS y correo a la vez",
        "agent_event_case_opened": "caso nuevo",
        "agent_event_reminder": "recordatorio",
        "agent_event_escalation": "escalado",
        "agent_event_assigned": "asignado",
        "agent_event_digest": "resumen",
        "agent_event_reopened": "reabierto",
        "agent_state_pending": "en espera",
        "agent_state_held": "esperando su horario",
        "agent_state_sending": "enviándose",
        "agent_state_sent": "enviado",
        "agent_state_failed": "fallido",
        "agent_state_dead": "fallido tras reintentos",
        "agent_state_folded": "en un resumen",
        "onb_title": "Configurar npsloop",
        "onb_step": "Paso {n} de 3",
        "onb_team_title": "Tu primer equipo",
        "onb_team_intro": (
            "Aún no hay ningún equipo, así que ninguna respuesta puede convertirse en caso. Empieza por el equipo que "
            "atiende a los clientes descontentos: los puntos de contacto que lleva y cuándo trabaja."
        ),
        "onb_create_team": "Crear el equipo",
        "onb_agents_title": "A quién se avisa",
        "onb_agents_intro": (
            "Añade los agentes de {team} que reciben los avisos de casos nuevos, por SMS y email. Añade los que "
            "quieras, de uno en uno; puedes añadir más después."
        ),
        "onb_agent_name": "Nombre del agente",
        "onb_phone": "Móvil",
        "onb_phone_help": "Formato internacional, como +34600123456. Vacío si no tiene.",
        "onb_email": "Email",
        "onb_language": "Idioma de sus avisos",
        "onb_role": "Rol",
        "onb_role_agent": "agente",
        "onb_role_supervisor": "supervisor",
        "onb_role_head": "responsable",
        "onb_add_agent": "Añadir el agente",
        "onb_agent_added": "Agente añadido.",
        "onb_agents_so_far": "Agentes del equipo",
        "onb_no_agents": "Aún no hay agentes.",
        "onb_next_integration": "Siguiente: conectar la herramienta de encuestas",
        "onb_contact_needed": "give the agent a phone or an email, or they cannot be alerted",
        "onb_integration_title": "Conecta tu herramienta de encuestas",
        "onb_integration_intro": (
            "Di qué herramienta envía las respuestas. npsloop crea el secreto con el que las firma; la página "
            "siguiente lo muestra una vez, con la dirección que hay que pegar en la herramienta."
        ),
        "onb_integration_name": "Nombre de la conexión",
        "onb_integration_name_help": "Minúsculas, cifras, - y _, como typeform-nps. Forma parte de la dirección.",
        "onb_kind": "Herramienta de encuestas",
        "onb_kind_typeform": "Typeform (sus webhooks, con secreto)",
        "onb_kind_mapping": "Otra herramienta o tu propio código (el JSON de npsloop, firmado con NPSLoop-Signature)",
        "onb_kind_help": (
            "Delighted, SurveyMonkey, Formbricks y Qualtrics emiten sus propios secretos o se leen de su API: "
            "añádelas desde la línea de comandos (npsloop integrations add) al terminar."
        ),
        "onb_touchpoint": "Punto de contacto de sus respuestas",
        "onb_touchpoint_help": "De qué punto de contacto son las respuestas de esta herramienta.",
        "onb_create_integration": "Crear la conexión",
        "onb_done_title": "Pega esto en tu herramienta de encuestas",
        "onb_done_intro": "La conexión {name} está lista. Da a la herramienta esta dirección y este secreto:",
        "onb_url": "Dirección (URL) del webhook",
        "onb_secret": "Secreto",
        "onb_secret_once": (
            "El secreto se muestra solo esta vez: cópialo ahora. npsloop lo guarda cifrado y no vuelve a mostrarlo; "
            "si se pierde, rótalo."
        ),
        "onb_howto_typeform": (
            "En Typeform: tu formulario, Connect, Webhooks, Add a webhook: pega la dirección; luego Edit, Secret: "
            "pega el secreto. Añade un campo oculto customer_id para saber quién respondió."
        ),
        "onb_howto_mapping": (
            "Envía cada respuesta en JSON con POST a la dirección, firmada en la cabecera NPSLoop-Signature "
            "(t=<hora unix>,v1=<HMAC-SHA256 en hex de '<t>.<cuerpo>'> con el secreto), como la recibe /v1/responses."
        ),
        "onb_test_title": "Enviar una respuesta de prueba",
        "onb_test_help": (
            "npsloop envía a la dirección de arriba la respuesta de un detractor, firmada con el secreto de esta "
            "conexión, como lo hará la herramienta; se convierte en caso como una real (se avisa a sus agentes) y "
            "queda marcada como prueba."
        ),
        "onb_send_test": "Enviar una respuesta de prueba",
        "onb_sent_title": "Respuesta de prueba",
        "onb_waiting": "Recibida: esperando a que el worker la convierta en caso.",
        "onb_check_again": "Comprobar de nuevo",
        "onb_arrived": "Ha llegado: caso #{case}.",
        "onb_open_case": "Abrir el caso",
        "onb_no_case": (
            "Procesada, pero no se abrió ningún caso: las reglas de enrutamiento no abren casos en este punto de "
            "contacto."
        ),
        "onb_quarantined": "El procesamiento falló una y otra vez: la respuesta está en cuarentena.",
        "onb_refused": "La respuesta de prueba fue rechazada ({status}): {reason}",
        "onb_is_test": "Esta respuesta está marcada como prueba.",
        "onb_finished": "Configuración terminada. Ir a los casos abiertos",
    },
}
