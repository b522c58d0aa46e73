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
