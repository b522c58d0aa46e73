"""The deployment files name only commands, options and settings that exist, and say what the issue asks
of them (probes, resources, non-root, persistence); they are read here, since no Docker engine or cluster
runs the tests."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from npsloop.cli import main
from npsloop.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
SETTING = re.compile(r"\bNPSLOOP_[A-Z0-9_]+\b")
# Variables that are not settings: the test suite's own.
NOT_SETTINGS = {"NPSLOOP_TEST_DATABASE_URL", "NPSLOOP_TEST_REDIS_URL", "NPSLOOP_TEST_CHROMIUM"}


def k8s_documents() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def resolve(args: list[str]) -> None:
    """Parses an `npsloop ...` command line down to its last subcommand, as click would, without running it."""
    assert args and args[0] == "npsloop", args
    command: click.Command = main
    ctx = command.make_context("npsloop", list(args[1:]), resilient_parsing=False)
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]  # noqa: SLF001
        if not rest:
            break
        name, command, remaining = command.resolve_command(ctx, rest)
        assert command is not None, args
        ctx = command.make_context(name, remaining, parent=ctx)


def expand(line: str) -> str:
    """Shell defaults, as `${PORT:-8000}`, to their default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", line)


def npsloop_commands() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        found.append((f"Procfile {name}", shlex.split(expand(command))))
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                args = shlex.split(line.removeprefix("ExecStart="))
                found.append((unit.name, ["npsloop", *args[1:]]))
    for name, doc in k8s_documents():
        spec = doc.get("spec", {})
        template = spec.get("template", spec.get("jobTemplate", {}).get("spec", {}).get("template", {}))
        for container in template.get("spec", {}).get("containers", []):
            found.append((f"{name} {container['name']}", container["command"]))
            probe = container.get("livenessProbe", {}).get("exec")
            if probe:
                found.append((f"{name} probe", probe["command"]))
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service, body in compose["services"].items():
        if body.get("command", [None])[0] == "npsloop":
            found.append((f"compose {service}", body["command"]))
        test = body.get("healthcheck", {}).get("test", [])
        if test[1:2] == ["npsloop"]:
            found.append((f"compose {service} healthcheck", test[1:]))
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    found.append(("Dockerfile CMD", yaml.safe_load(cmd.group(1))))
    return found


@pytest.mark.parametrize(("where", "args"), npsloop_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_the_deployment_runs_exists_with_those_options(where, args):
    resolve(args)


def test_the_command_check_would_catch_a_wrong_one():
    with pytest.raises(click.UsageError):
        resolve(["npsloop", "serve", "--no-such-option"])
    with pytest.raises(click.UsageError):
        resolve(["npsloop", "no-such-command"])


def test_every_setting_named_anywhere_in_the_deployment_exists():
    fields = {f"NPSLOOP_{name.upper()}" for name in Settings.model_fields}
    files = [*DEPLOY.rglob("*"), ROOT / "Procfile", ROOT / "Dockerfile", ROOT / "README.md"]
    named = {}
    for path in files:
        if path.is_file():
            for variable in SETTING.findall(path.read_text()):
                named.setdefault(variable, path.relative_to(ROOT))
    unknown = {v: str(p) for v, p in named.items() if v not in fields | NOT_SETTINGS and not v.endswith("_")}
    assert not unknown
    assert len(named) > 20


def test_the_image_is_multi_stage_slim_and_not_root():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(stages) >= 2 and all("slim" in image for image in stages)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert "HEALTHCHECK" in text


def test_kubernetes_has_probes_resources_scaling_and_a_disruption_budget():
    docs = k8s_documents()
    assert all(doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"] for _, doc in docs)
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in docs}
    assert {("Deployment", "npsloop-api"), ("Deployment", "npsloop-worker"), ("Deployment", "npsloop-beat")} <= kinds
    assert ("ScaledObject", "npsloop-worker") in kinds and ("Job", "npsloop-migrate") in kinds
    assert {name for kind, name in kinds if kind == "PodDisruptionBudget"} == {"npsloop-api", "npsloop-worker"}
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    by_name = {doc["metadata"]["name"]: doc for _, doc in docs if doc["kind"] == "Deployment"}
    for name, doc in by_name.items():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"], name
    api = by_name["npsloop-api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert by_name["npsloop-worker"]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]
    assert by_name["npsloop-beat"]["spec"]["replicas"] == 1
    scaled = next(doc for _, doc in docs if doc["kind"] == "ScaledObject")
    trigger = scaled["spec"]["triggers"][0]
    config = next(doc for _, doc in docs if doc["kind"] == "ConfigMap")["data"]
    # KEDA must watch the list Celery actually fills: the configured queue.
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == config["NPSLOOP_QUEUE"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "npsloop-worker"


def test_compose_keeps_the_queue_and_checks_health():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    redis = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis and "--maxmemory-policy noeviction" in redis
    for name in ("api", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
