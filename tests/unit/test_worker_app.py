from npsloop.settings import Settings
from npsloop.worker.app import celery_config, create_app


def test_tasks_are_acknowledged_late_and_redelivered_when_a_worker_dies(tmp_path):
    config = celery_config(Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:6379/0"))
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_transport_options"]["visibility_timeout"] >= 3600


def test_no_retry_countdown_outlives_the_visibility_timeout(tmp_path):
    settings = Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:6379/0")
    config = celery_config(settings)
    assert settings.retry_cap_seconds < config["broker_transport_options"]["visibility_timeout"]


def test_the_embedded_default_needs_no_server(tmp_path):
    settings = Settings(data_dir=tmp_path)
    config = celery_config(settings)
    assert config["broker_url"] == "filesystem://"
    assert (tmp_path / "broker" / "queue").is_dir()
    assert settings.resolved_database_url.startswith("sqlite:///")


def test_the_reconciler_runs_on_a_schedule(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, reconcile_every_seconds=15))
    assert app.conf.beat_schedule["reconcile"] == {"task": "npsloop.reconcile", "schedule": 15.0}


def test_old_delivery_ids_are_forgotten_every_hour(tmp_path):
    from npsloop.worker.tasks import forget_delivery_ids_task

    app = create_app(Settings(data_dir=tmp_path))
    assert app.conf.beat_schedule["delivery_ids"] == {"task": forget_delivery_ids_task.name, "schedule": 3600.0}


def test_tasks_leave_the_retry_limit_to_the_database_counts():
    # retry(max_retries=None) falls back to the task's own limit, which Celery sets to 3 unless told.
    from npsloop.worker.tasks import process_response_task, send_notification_task

    assert send_notification_task.max_retries is None
    assert process_response_task.max_retries is None


def test_the_tagger_training_is_checked_nightly_unless_turned_off(tmp_path):
    from npsloop.worker.tasks import train_tagger_task

    nightly = celery_config(Settings(data_dir=tmp_path))["beat_schedule"]["training"]
    assert nightly["task"] == train_tagger_task.name
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({4}, {41})
    assert "training" not in celery_config(Settings(data_dir=tmp_path, train_every_days=0))["beat_schedule"]


def test_the_training_task_does_nothing_before_there_are_labels(runtime, monkeypatch):
    from npsloop.worker import tasks

    monkeypatch.setattr(tasks, "get_runtime", lambda: runtime)
    assert tasks.train_tagger_task() is None
    with runtime.uow() as uow:
        assert uow.tagger_models.listed() == []


def test_the_risk_model_is_trained_at_the_same_pace_and_not_before_there_is_history(runtime, tmp_path, monkeypatch):
    from npsloop.worker import tasks

    beat = celery_config(Settings(data_dir=tmp_path))["beat_schedule"]["risk_training"]
    assert beat["task"] == tasks.train_risk_task.name
    assert "risk_training" not in celery_config(Settings(data_dir=tmp_path, train_every_days=0))["beat_schedule"]
    monkeypatch.setattr(tasks, "get_runtime", lambda: runtime)
    assert tasks.train_risk_task() is None
    with runtime.uow() as uow:
        assert uow.risk.latest() is None


def test_recovery_follow_ups_are_planned_and_sent_by_a_beat_job(tmp_path):
    from npsloop.worker.tasks import recovery_task

    app = create_app(Settings(data_dir=tmp_path, recovery_every_seconds=30))
    assert app.conf.beat_schedule["recovery"] == {"task": recovery_task.name, "schedule": 30.0}
