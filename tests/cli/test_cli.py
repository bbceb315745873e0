"""The `scripthub` command, run in-process and, for `serve`, as a real server process."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scripthub.entrypoints.cli import main
from tests.production import PRODUCTION_ON_EMBEDDED
from tests.served import SCRIPTHUB, serving
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

    assert not (workdir / "var" / "scripthub.db").exists()  # looking creates nothing

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


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "list"],
        ["users", "grant-role", "ada@example.com", "admin"],
        ["mail", "failed"],
        ["db", "downgrade", "base"],
    ],
)
def test_a_command_in_a_folder_without_a_database_creates_none(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)

    assert (code, out) == (2, "")
    assert f"no database in {workdir.resolve() / 'var'}" in err
    assert "scripthub db upgrade" in err
    assert not (workdir / "var" / "scripthub.db").exists()


def test_a_command_on_a_database_never_migrated_says_how_to_migrate(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "var").mkdir()
    (workdir / "var" / "scripthub.db").touch()

    code, _, err = run(capsys, "users", "list")

    assert code == 2
    assert "not migrated" in err
    assert "scripthub db upgrade" in err


def test_an_unreachable_redis_is_named_without_its_password(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "db", "upgrade")
    run(capsys, "users", "create", "--email", "ada@example.com", "--username", "ada",
        "--password", PASSWORD)  # fmt: skip
    monkeypatch.setenv("SCRIPTHUB_REDIS_URL", "redis://:secret@127.0.0.1:1/5")

    code, _, err = run(capsys, "users", "set-password", "ada@example.com", "--password", "x" * 12)

    assert code == 1
    assert "error: service_unavailable: cache unavailable at redis://127.0.0.1:1/5 (" in err
    assert "secret" not in err


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


def test_serve_says_when_its_port_is_in_use(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port))

    assert code == 2
    assert f"error: 127.0.0.1:{port} is in use" in err
    assert "--port" in err
    assert out == ""
    assert not (workdir / "var" / "scripthub.db").exists()  # refused before anything started


@pytest.fixture
def embedded_server(workdir: Path) -> Iterator[str]:
    """`scripthub serve` on a fresh directory, as the README tells a new user to run it."""
    with serving(workdir) as server:
        yield server.base_url


def test_serve_prints_how_it_is_set_up(workdir: Path) -> None:
    with serving(workdir) as server:
        banner = server.log.read_text()

    assert "ScriptHub 0.1.0 in development mode\n" in banner
    assert "  database:   sqlite+aiosqlite:///./var/scripthub.db\n" in banner
    assert "  stores:     sessions sql, rate limits and caches in-process\n" in banner
    assert f"  docs:       {server.base_url}/docs\n" in banner
    assert f"  JWT secret: generated, kept in {workdir / 'var' / 'jwt-secret'}\n" in banner


def test_serve_reload_serves_and_says_so(workdir: Path) -> None:
    with serving(workdir, "--reload") as server:
        live = httpx.get(f"{server.base_url}/health/live")
        banner = server.log.read_text()

    assert live.status_code == 200
    assert "in development mode (reloading on code changes)\n" in banner


def test_the_public_url_follows_a_reloading_server_too(workdir: Path) -> None:
    """The reloader's server is another process, which loads its own settings: it is given
    the origin (seen here in the OAuth redirect URI, which needs no script)."""
    github = {"SCRIPTHUB_OAUTH_GITHUB_CLIENT_ID": "id", "SCRIPTHUB_OAUTH_GITHUB_CLIENT_SECRET": "s"}
    with serving(workdir, "--reload", **github) as server:
        started = httpx.get(f"{server.base_url}/api/auth/github", params={"redirect_to": "/"})

    assert started.status_code == 302
    redirect_uri = parse_qs(urlsplit(started.headers["location"]).query)["redirect_uri"]
    assert redirect_uri == [f"{server.base_url}/api/auth/github/callback"]


def test_reload_runs_one_worker(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "serve", "--reload", "--workers", "2")

    assert code == 2
    assert "--reload runs one worker" in err


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
        "source_sync": "ok",
    }


def test_sessions_of_the_embedded_default_survive_a_restart(workdir: Path) -> None:
    body = {"email": "new@example.com", "password": PASSWORD, "username": "newbie"}
    with serving(workdir) as server:
        tokens = httpx.post(f"{server.base_url}/api/auth/register", json=body).json()

    with serving(workdir) as restarted:
        me = httpx.get(
            f"{restarted.base_url}/api/users/me",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        refreshed = httpx.post(
            f"{restarted.base_url}/api/auth/refresh",
            json={"refresh_token": tokens["refresh_token"]},
        )

    assert me.status_code == 200, me.text
    assert refreshed.status_code == 200, refreshed.text


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


def test_mail_latest_prints_the_newest_mails_whole(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "db", "upgrade")
    for name in ("first", "second"):
        run(capsys, "users", "create", "--email", f"{name}@example.com", "--username", name,
            "--password", PASSWORD)  # fmt: skip

    code, pending, _ = run(capsys, "mail", "latest", "--limit", "1")
    run(capsys, "mail", "dispatch", "--once")
    _, both, _ = run(capsys, "mail", "latest")

    assert code == 0
    assert "to=second@example.com status=pending" in pending
    assert "first@example.com" not in pending
    assert "http://localhost:3000/verify-email?token=" in pending
    assert both.index("to=second@example.com status=sent") < both.index("to=first@example.com")


def test_mail_latest_is_refused_in_production(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PRODUCTION_ON_EMBEDDED.items():
        monkeypatch.setenv(name, value)

    code, out, err = run(capsys, "mail", "latest")

    assert code == 2
    assert out == ""
    assert "not in production" in err


def scripthub(workdir: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`scripthub *argv` as its own process in `workdir`, with `stdin` piped in."""
    return subprocess.run(  # noqa: S603 - our own console script
        [SCRIPTHUB, *argv],
        cwd=workdir,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version(workdir: Path) -> None:
    finished = scripthub(workdir, "--version")

    assert finished.returncode == 0
    assert finished.stdout.strip() == "scripthub 0.1.0"


def test_users_create_reads_a_piped_password_then_list_and_set_password(workdir: Path) -> None:
    scripthub(workdir, "db", "upgrade")
    created = scripthub(
        workdir, "users", "create", "--email", "ada@example.com", "--username", "ada",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    scripthub(workdir, "users", "create", "--email", "bob@example.com", "--username", "bob",
              "--password", PASSWORD)  # fmt: skip
    listed = scripthub(workdir, "users", "list")
    searched = scripthub(workdir, "users", "list", "--search", "ada")
    weak = scripthub(workdir, "users", "set-password", "ada@example.com", stdin="short\n")
    changed = scripthub(
        workdir, "users", "set-password", "ada@example.com", stdin="a brand new passphrase\n"
    )

    assert created.returncode == 0, created.stderr
    assert "ada@example.com roles=user" in created.stdout
    assert [line.split()[1:] for line in listed.stdout.splitlines()] == [
        ["bob@example.com", "bob", "active", "roles=user"],
        ["ada@example.com", "ada", "active", "roles=user"],
    ]
    assert [line.split()[1] for line in searched.stdout.splitlines()] == ["ada@example.com"]
    assert weak.returncode == 1
    assert "validation_error" in weak.stderr
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == (
        "ada@example.com password set; every session of the account ended"
    )


@pytest.mark.parametrize("session_store", ["sql", "memory"])
def test_set_password_ends_the_users_sessions(workdir: Path, session_store: str) -> None:
    # In the server's memory too, which the CLI's process cannot reach: the account's session
    # epoch, in the database, ends them.
    with serving(workdir, SCRIPTHUB_SESSION_STORE=session_store) as server:
        body = {"email": "ada@example.com", "password": PASSWORD, "username": "ada"}
        tokens = httpx.post(f"{server.base_url}/api/auth/register", json=body).json()

        server.run("users", "set-password", "ada@example.com", "--password", "new passphrase 42")

        me = httpx.get(
            f"{server.base_url}/api/users/me",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        login = f"{server.base_url}/api/auth/login"
        old = httpx.post(login, json={"email": "ada@example.com", "password": PASSWORD})
        new = httpx.post(login, json={"email": "ada@example.com", "password": "new passphrase 42"})

    assert me.status_code == 401
    assert old.status_code == 401
    assert new.status_code == 200, new.text


def test_db_history_and_downgrade_print_each_step(workdir: Path) -> None:
    upgraded = scripthub(workdir, "db", "upgrade")
    head = upgraded.stdout.splitlines()[-1].split()[0]
    downgraded = scripthub(workdir, "db", "downgrade", "0005")
    history = scripthub(workdir, "db", "history")

    assert upgraded.stdout.splitlines()[0].startswith("upgraded base -> 0001: ")
    assert len(upgraded.stdout.splitlines()) == int(head) + 1
    assert [line.split(":")[0] for line in downgraded.stdout.splitlines()] == [
        f"downgraded {revision:04d} -> {revision - 1:04d}" for revision in range(int(head), 5, -1)
    ] + ["0005 (head is " + head + ")"]
    lines = history.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [f"{n:04d}" for n in range(int(head), 0, -1)]
    assert [line for line in lines if line.endswith("(current)")] == [lines[int(head) - 5]]
