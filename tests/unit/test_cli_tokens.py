"""`npsloop tokens`: the secret goes to stdout once, the list never shows it, revocation takes effect."""

from click.testing import CliRunner

from npsloop.cli import main
from npsloop.services.tokens import authenticate
from tests.unit.test_cli import cli  # noqa: F401  (the fixture)


def test_create_list_revoke(cli):  # noqa: F811
    from npsloop.bootstrap import get_runtime

    result = CliRunner().invoke(main, ["tokens", "create", "--name", "boss", "--role", "supervisor"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("npl_") and "only time" in result.stderr
    listed = cli("tokens", "list")
    assert "boss" in listed and "supervisor" in listed and "active" in listed and secret not in listed
    rt = get_runtime()
    assert authenticate(uow=rt.uow(), presented=secret, bootstrap=[], now=rt.clock()) is not None
    assert "revoked" in cli("tokens", "revoke", "boss")
    assert "revoked" in cli("tokens", "list")
    assert authenticate(uow=rt.uow(), presented=secret, bootstrap=[], now=rt.clock()) is None


def test_mistakes_are_explained(cli):  # noqa: F811
    assert "belongs to an agent" in cli("tokens", "create", "--name", "a", "--role", "agent", ok=False)
    assert "no token named" in cli("tokens", "revoke", "nobody", ok=False)
    cli("tokens", "create", "--name", "x", "--role", "admin", "--expires-in-days", "30")
    assert "exists" in cli("tokens", "create", "--name", "x", "--role", "admin", ok=False)
    assert "expires 20" in cli("tokens", "list")
