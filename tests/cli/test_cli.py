"""The `scripthub` command, run in-process and, for `serve`, as a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripthub.entrypoints.cli import main
from tests.served import serving
from tests.smtp_sink import SmtpSink

PASSWORD = "correct horse battery"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_db_upgrade_then_current(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, before, _ = run(capsys, "db", "current")
    assert code == 0
    assert before.startswith("none")

    code, out, _ = run(capsys, "db", "upgrade")

    assert code == 0
    assert out.strip().endswith("(head)")
    assert (workdir / "var" / "scripthub.db").exists()


def test_users_create_grant_and_revoke(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "db", "upgrade")

    code, out, err = run(
        capsys,
        "users",
        "create",
        "--email",
        "Root@Example.com",
        "--username",
        "root",
        "--password",
        PASSWORD,
        "--role",
        "admin",
        "--verified",
    )
    assert code == 0, err
    assert "root@example.com roles=admin,user" in out

    code, out, _ = run(capsys, "users", "grant-role", "root@example.com", "moderator")
    assert out.strip() == "root@example.com roles=admin,moderator,user"
    code, out, _ = run(capsys, "users", "revoke-role", "root@example.com", "moderator")
    assert out.strip() == "root@example.com roles=admin,user"
    code, _, err = run(capsys, "users", "revoke-role", "root@example.com", "admin")
    assert code == 1
    assert "conflict" in err  # the last role manager keeps the role


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "users",
                "create",
                "--email",
                "x@example.com",
                "--username",
                "xx_x",
                "--password",
                "1",
            ],
            "validation_error",
        ),
        (["users", "grant-role", "ghost@example.com", "admin"], "not_found"),
        (["users", "grant-role", "root@example.com", "wizard"], "not_found"),
    ],
)
def test_user_commands_report_errors_without_tracebacks(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--email", "root@example.com", "--username", "root",
        "--password", PASSWORD)  # fmt: skip

    code, _, err = run(capsys, *argv)

    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_bad_settings_stop_every_command_naming_the_variable(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIPTHUB_ACCESS_TOKEN_TTL", "forever")

    code, _, err = run(capsys, "db", "current")

    assert code == 2
    assert "SCRIPTHUB_ACCESS_TOKEN_TTL" in err


def test_several_workers_need_shared_stores(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "serve", "--workers", "2")

    assert code == 2
    assert "SCRIPTHUB_REDIS_URL" in err


@pytest.fixture
def embedded_server(workdir: Path) -> Iterator[str]:
    """`scripthub serve` on a fresh directory, as the README tells a new user to run it."""
    with serving(workdir) as server:
        yield server.base_url


def test_serve_migrates_and_answers_on_a_fresh_directory(embedded_server: str) -> None:
    body = {"email": "new@example.com", "password": PASSWORD, "username": "newbie"}

    registered = httpx.post(f"{embedded_server}/api/auth/register", json=body)
    me = httpx.get(
        f"{embedded_server}/api/users/me",
        headers={"Authorization": f"Bearer {registered.json()['access_token']}"},
    )
    ready = httpx.get(f"{embedded_server}/health/ready")

    assert registered.status_code == 201, registered.text
    assert me.json()["username"] == "newbie"
    assert ready.json() == {
        "database": "ok",
        "cache": "ok",
        "schema": "ok",
        "mail_dispatcher": "ok",
    }


def test_mail_commands_show_and_retry_failed_mail(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    smtp_sink: SmtpSink,
) -> None:
    monkeypatch.setenv("SCRIPTHUB_SMTP_URL", smtp_sink.url())
    smtp_sink.rcpt_reply = "550 5.1.1 no such mailbox"
    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--email", "new@example.com", "--username", "newbie",
        "--password", PASSWORD)  # fmt: skip

    code, out, _ = run(capsys, "mail", "dispatch", "--once")
    assert code == 0
    assert "failed=1" in out
    code, out, _ = run(capsys, "mail", "failed")
    assert "to=new@example.com" in out
    assert "550" in out
    message_id = out.split()[0]

    smtp_sink.rcpt_reply = None
    code, out, _ = run(capsys, "mail", "retry", message_id)
    assert out.strip() == f"queued {message_id} again"
    code, out, _ = run(capsys, "mail", "dispatch", "--once")
    assert "sent=1" in out
    assert [m["To"] for m in smtp_sink.messages] == ["new@example.com"]
    code, out, _ = run(capsys, "mail", "failed")
    assert out.strip() == "no failed mail"
    code, _, err = run(capsys, "mail", "retry", message_id)
    assert code == 1
    assert "not_found" in err
