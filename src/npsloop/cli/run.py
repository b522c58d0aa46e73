"""Running npsloop: the demo, the API server, the worker, beat, migrations, the reconciler."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from npsloop.cli.common import keyring_or_exit
from npsloop.cli.common import runtime as _runtime


@click.command()
@click.option("--serve", is_flag=True, help="Keep the API and worker running after the demo.")
@click.option("--port", type=int, default=None, help="API port (default: 8000 with --serve, else a free port).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("var/demo"), show_default=True)
def demo(serve: bool, port: int | None, data_dir: Path) -> None:
    """Run the whole loop on the embedded default and print what happened."""
    from npsloop.cli import demo as demo_module

    multiprocess_metrics()
    sys.exit(demo_module.run(data_dir=data_dir.resolve(), serve=serve, port=port))


def multiprocess_metrics() -> None:
    """For the long-running commands, before they fork or spawn, so API workers and Celery's children share
    one metrics folder (see npsloop.metrics)."""
    from npsloop import metrics
    from npsloop.settings import get_settings

    settings = get_settings()
    metrics.configure(settings.metrics_dir, default=settings.resolved_metrics_dir)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from npsloop.settings import get_settings

    keyring_or_exit(get_settings())
    multiprocess_metrics()
    # log_config=None: uvicorn's processes keep the structured logging the app factory sets up.
    uvicorn.run("npsloop.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_config=None)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--concurrency", "-c", type=int, default=None)
@click.option("--pool", default=None, help="prefork (default), solo or threads.")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--beat", is_flag=True, help="Also run the periodic reconciler in this process.")
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, pool: str | None, loglevel: str, beat: bool) -> None:
    """Run a Celery worker on the configured broker."""
    from npsloop.settings import get_settings
    from npsloop.worker.app import app

    keyring_or_exit(get_settings())
    multiprocess_metrics()
    argv = ["--quiet", "worker", "--loglevel", loglevel, "-Q", get_settings().queue]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if pool:
        argv += ["--pool", pool]
    if beat:
        argv += ["--beat", "--schedule", str(get_settings().data_dir / "celerybeat-schedule")]
    app.start(argv + list(ctx.args))


@click.command()
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    """Run the Celery beat scheduler (the periodic reconciler). Run exactly one."""
    from npsloop.settings import get_settings
    from npsloop.worker.app import app

    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    multiprocess_metrics()
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(get_settings().data_dir / "celerybeat-schedule")])


@click.command()
def reconcile() -> None:
    """Re-enqueue stuck responses and notifications once, now."""
    report = _runtime().reconcile()
    click.echo(f"re-enqueued {report.responses} responses, {report.notifications} notifications")


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply the Alembic migrations."""
    from npsloop.secret_key import MissingSecretKey, load_keyring
    from npsloop.settings import get_settings
    from npsloop.store import migrate
    from npsloop.store.keyring import KeyringError

    settings = get_settings()
    try:
        keyring = load_keyring(settings)
    except MissingSecretKey:
        keyring = None  # a new database migrates without it; one with secrets to encrypt says what to set
    except KeyringError as error:  # a malformed key
        raise click.ClickException(str(error)) from None
    try:
        migrate.upgrade(settings.resolved_database_url, revision, keyring=keyring)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"database at {revision}")


@click.command("worker-health")
@click.option("--max-age", type=float, default=None, help="seconds; default three heartbeat intervals")
def worker_health(max_age: float | None) -> None:
    """Exit 0 if a worker on this host beat recently (a liveness probe for orchestrators), else 1."""
    from npsloop import health
    from npsloop.settings import get_settings

    settings = get_settings()
    limit = max_age if max_age is not None else 3 * settings.worker_heartbeat_seconds
    age = health.heartbeat_age(settings.resolved_heartbeat_file)
    if age is None:
        raise click.ClickException(f"no heartbeat at {settings.resolved_heartbeat_file}: is a worker running here?")
    if age > limit:
        raise click.ClickException(f"the worker last beat {age:.0f} s ago (more than {limit:.0f} s)")
    click.echo(f"alive: the worker beat {age:.1f} s ago")


@click.command()
def intake() -> None:
    """Move responses that internal producers XADD to the Redis stream into the pipeline. Run one or more."""
    import signal
    import threading

    from npsloop.ingest.stream_consumer import StreamIntake, intake_redis

    rt = _runtime()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        client = intake_redis(rt.settings)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    consumer = StreamIntake(client, rt.settings, rt.uow, rt.clock)
    click.echo(
        f"reading {rt.settings.intake_stream} as {consumer.consumer} in group {rt.settings.intake_group}", err=True
    )
    consumer.run(stop)
    click.echo(f"stopped: {consumer.stored} stored, {consumer.rejected} rejected", err=True)
