import json
import logging

from npsloop.logs import JsonFormatter, TextFormatter


def record(message: str, **extra: object) -> logging.LogRecord:
    item = logging.LogRecord("npsloop.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(item, key, value)
    return item


def test_json_logs_carry_the_ids_given_as_extras():
    line = json.loads(JsonFormatter().format(record("response processed", response_id=7, case_id=3)))
    assert line["msg"] == "response processed" and line["response_id"] == 7 and line["case_id"] == 3
    assert line["level"] == "warning" and line["logger"] == "npsloop.test"


def test_no_log_line_holds_a_full_phone_number_or_email_whoever_logged_it():
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(record("sending to +34600111222", to="lucia@example.es"))
        assert "+34600111222" not in line and "lucia@example.es" not in line
        assert "+34*******22" in line and "l***@example.es" in line


def test_one_detractor_can_be_followed_with_grep_from_ingest_to_every_alert(runtime):
    import io

    from npsloop.logs import ContextFilter
    from npsloop.worker.tasks import _on_row
    from tests.conftest import ingest, seed_team

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.INFO
    try:
        seed_team(runtime)
        response_id = ingest(runtime)

        class Task:  # what _on_row reads of a Celery task: its name and its retry count
            name = "npsloop.process_response"
            request = type("Request", (), {"retries": 0})()

        _on_row(Task, response_id, runtime.process, "response_id")  # processes, then sends the new alerts
    finally:
        root.removeHandler(handler)
        root.level = level
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line.get("response_id") == response_id]
    messages = [line["msg"] for line in mine]
    assert messages[0] == "response stored" and "response processed" in messages
    sent = [line for line in mine if line["msg"] == "notification sent"]
    assert len(sent) == 3  # Marta by SMS and email, Tom by email
    case_ids = {line.get("case_id") for line in mine if line["msg"] != "response stored"}
    assert case_ids == {1}
    assert {line["notification_id"] for line in sent} == {1, 2, 3}
    assert runtime.dispatcher.notifications == []  # sent by the processing task: none went to the queue
