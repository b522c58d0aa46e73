"""The customer's pages for a recovery message: "Did we solve your problem?" and the opt-out. Public: the signed
token in the path is the only credential, and it carries the request's id alone, never who the customer is.

GET shows, POST records (mail scanners open links; a GET that answered would answer for nobody). There is no
session and no cookie, so a forged cross-site POST has no ambient authority to borrow: it would need the token,
and whoever holds the token may answer anyway. Replays are harmless: the first answer is kept (the row is
locked and moves once from sent to answered) and every later use of the link shows it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from npsloop.api.runtime_dep import RuntimeDep
from npsloop.bootstrap import Runtime
from npsloop.domain.recovery import MAX_COMMENT, Answer, InvalidAnswer, read_answer
from npsloop.link_tokens import LinkError
from npsloop.recovery_links import LinkKind, make_link_token, read_link_token
from npsloop.services.recovery_answers import RecoveryPage, Stage, answer_recovery, opt_out, show_recovery

PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}
FORM_TYPE = "application/x-www-form-urlencoded"
FIELDS = ("answer", "score", "comment")
router = APIRouter(
    prefix="/v1/recovery",
    tags=["recovery"],
    responses={
        400: {"description": "the form cannot be read", **PAGE},
        403: {"description": "the link is not valid", **PAGE},
        404: {"description": "nothing to answer behind this link", **PAGE},
        410: {"description": "the link has expired", **PAGE},
        415: {"description": "the form is not sent as a form", **PAGE},
        422: {"description": "the answer is not one we can record", **PAGE},
    },
)
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "¿Resolvimos tu problema?",
        "question": "¿Resolvimos tu problema?",
        "yes": "Sí",
        "no": "No",
        "score": "Si quieres, una nueva nota (0 = nada probable, 10 = muy probable que nos recomiendes):",
        "comment": "Un comentario (opcional):",
        "send": "Enviar",
        "thanks_yes": "Gracias: anotamos que tu problema está resuelto.",
        "thanks_no": "Gracias: anotamos que tu problema no está resuelto. Alguien de nuestro equipo retoma tu caso.",
        "new_score": "Tu nueva nota: {score}/10.",
        "expired": "Este enlace ha caducado. Si tu problema sigue sin resolverse, escríbenos como siempre.",
        "gone": "No hay nada que responder en este enlace.",
        "invalid": "Este enlace no es válido.",
        "opt_out_question": "¿No quieres recibir más mensajes como este?",
        "opt_out_button": "No enviarme más",
        "opted_out": "Hecho: no te enviaremos más mensajes como este.",
        "unreadable": "No pudimos leer tu respuesta.",
        "opt_out_link": "No quiero recibir más mensajes como este",
    },
    "en": {
        "title": "Did we solve your problem?",
        "question": "Did we solve your problem?",
        "yes": "Yes",
        "no": "No",
        "score": "If you like, a new score (0 = not at all likely, 10 = extremely likely to recommend us):",
        "comment": "A comment (optional):",
        "send": "Send",
        "thanks_yes": "Thank you: we have recorded that your problem is solved.",
        "thanks_no": "Thank you: we have recorded that your problem is not solved. Our team takes your case up again.",
        "new_score": "Your new score: {score}/10.",
        "expired": "This link has expired. If your problem is still not solved, please contact us the usual way.",
        "gone": "There is nothing to answer behind this link.",
        "invalid": "This link is not valid.",
        "opt_out_question": "Receive no more messages like this one?",
        "opt_out_button": "Send me no more",
        "opted_out": "Done: we will send you no more messages like this one.",
        "unreadable": "We could not read your answer.",
        "opt_out_link": "Send me no more messages like this one",
    },
}
STATUS = {Stage.ASK: 200, Stage.ANSWERED: 200, Stage.EXPIRED: 410, Stage.GONE: 404}


def _lang(runtime: Runtime, wanted: str | None) -> str:
    return runtime.renderer.language(wanted)


def _render(runtime: Runtime, status: int, lang: str, **context: Any) -> HTMLResponse:
    template = runtime.renderer.env.get_template("pages/recovery.html")
    values: dict[str, Any] = {
        "opt_out_url": None,
        "form": False,
        "opt_out_form": False,
        "error": None,
        "lines": [],
        "comment": None,
        "chosen": None,
    }
    html = template.render(**{**values, **context, "lang": lang, "w": WORDS[lang], "max_comment": MAX_COMMENT})
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _invalid(runtime: Runtime, error: LinkError) -> HTMLResponse:
    key = "expired" if error.expired else "invalid"
    lines = [WORDS["es"][key], WORDS["en"][key]]  # whose link it was is unknown: both languages
    return _render(runtime, 410 if error.expired else 403, "es", lines=lines)


def _request_id(runtime: Runtime, token: str, kind: LinkKind) -> int | LinkError:
    try:
        secret = runtime.settings.link_secret.get_secret_value()
        return read_link_token(secret, token, kind, runtime.clock().timestamp())
    except LinkError as error:
        return error


def _opt_out_url(runtime: Runtime, request_id: int) -> str:
    """The opt-out, offered on the question page too: an SMS carries one link only, to stay within two segments."""
    expires = runtime.clock() + timedelta(days=runtime.settings.recovery_opt_out_days)
    secret = runtime.settings.link_secret.get_secret_value()
    return "/v1/recovery/optout/" + make_link_token(secret, request_id, LinkKind.OPT_OUT, int(expires.timestamp()))


def _show(
    runtime: Runtime, page: RecoveryPage, request_id: int, *, chosen: str | None = None, error: str | None = None
) -> HTMLResponse:
    lang = _lang(runtime, page.language)
    words = WORDS[lang]
    if page.stage is Stage.ASK:
        opt_out = _opt_out_url(runtime, request_id)
        return _render(runtime, 422 if error else 200, lang, form=True, chosen=chosen, error=error, opt_out_url=opt_out)
    if page.stage is Stage.ANSWERED:
        lines = [words["thanks_yes"] if page.solved else words["thanks_no"]]
        if page.new_score is not None:
            lines.append(words["new_score"].format(score=page.new_score))
        opt_out = _opt_out_url(runtime, request_id)
        return _render(runtime, 200, lang, lines=lines, comment=page.comment, opt_out_url=opt_out)
    return _render(runtime, STATUS[page.stage], lang, lines=[words[page.stage.value]])


@router.get("/{token}", response_class=HTMLResponse)
async def ask(runtime: RuntimeDep, token: str, answer: str | None = None) -> HTMLResponse:
    found = _request_id(runtime, token, LinkKind.ANSWER)
    if isinstance(found, LinkError):
        return _invalid(runtime, found)
    page = await run_in_threadpool(lambda: show_recovery(uow=runtime.uow(), request_id=found, now=runtime.clock()))
    return _show(runtime, page, found, chosen=answer if answer in ("yes", "no") else None)


@router.post("/{token}", response_class=HTMLResponse)
async def record(runtime: RuntimeDep, token: str, request: Request) -> HTMLResponse:
    found = _request_id(runtime, token, LinkKind.ANSWER)
    if isinstance(found, LinkError):
        return _invalid(runtime, found)
    form = await _form(request)
    if isinstance(form, int):
        return _render(runtime, form, "es", lines=[WORDS["es"]["unreadable"], WORDS["en"]["unreadable"]])
    try:
        answer: Answer | str = read_answer(form.get("answer"), form.get("score"), form.get("comment"))
    except InvalidAnswer as error:
        answer = str(error)

    def run() -> RecoveryPage:
        if isinstance(answer, str):
            return show_recovery(uow=runtime.uow(), request_id=found, now=runtime.clock())
        return answer_recovery(uow=runtime.uow(), request_id=found, answer=answer, now=runtime.clock())

    page = await run_in_threadpool(run)
    return _show(runtime, page, found, error=answer if isinstance(answer, str) else None)


@router.get("/optout/{token}", response_class=HTMLResponse)
async def ask_opt_out(runtime: RuntimeDep, token: str) -> HTMLResponse:
    found = _request_id(runtime, token, LinkKind.OPT_OUT)
    if isinstance(found, LinkError):
        return _invalid(runtime, found)
    page = await run_in_threadpool(lambda: show_recovery(uow=runtime.uow(), request_id=found, now=runtime.clock()))
    return _render(runtime, 200, _lang(runtime, page.language), opt_out_form=True)


@router.post("/optout/{token}", response_class=HTMLResponse)
async def record_opt_out(runtime: RuntimeDep, token: str) -> HTMLResponse:
    found = _request_id(runtime, token, LinkKind.OPT_OUT)
    if isinstance(found, LinkError):
        return _invalid(runtime, found)

    def run() -> RecoveryPage:
        opt_out(uow=runtime.uow(), request_id=found, now=runtime.clock())
        return show_recovery(uow=runtime.uow(), request_id=found, now=runtime.clock())

    page = await run_in_threadpool(run)
    lang = _lang(runtime, page.language)
    return _render(runtime, 200, lang, lines=[WORDS[lang]["opted_out"]])


async def _form(request: Request) -> dict[str, str] | int:
    """The three fields as text, or the status that refuses the body (415 not a form, 400 unreadable)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM_TYPE:
        return 415
    try:
        data = await request.form(max_files=0, max_fields=len(FIELDS) + 2)
    except Exception:  # noqa: BLE001 - whatever a hostile body makes the parser raise is one answer: 400
        return 400
    values: dict[str, str] = {}
    for name in FIELDS:
        given = data.getlist(name)
        if len(given) > 1 or any(not isinstance(item, str) for item in given):
            return 400
        if given:
            values[name] = str(given[0])
    return values
