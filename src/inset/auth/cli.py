"""``inset tokens …`` and ``inset admin create-user | setup-token``. Each change is audited
like its admin API counterpart (actor_type ``cli``)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inset.auth import passwords
from inset.auth import service as auth
from inset.auth import sessions as admin_sessions
from inset.auth.models import AccessToken, AdminUser
from inset.cli_support import print_json, record_cli, run_with_session, stderr, stdout

tokens_app = typer.Typer(help="API access tokens.", no_args_is_help=True)
admin_app = typer.Typer(help="Admin users.", no_args_is_help=True)


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Option(..., help="What the token is for."),
    scope: list[str] = typer.Option(..., help="embed, admin, apps:deploy or audit:read."),
    expires_days: int | None = typer.Option(None, help="Expire after N days."),
) -> None:
    """Create a token and print it once on stdout (notes go to stderr)."""

    async def work(session: AsyncSession) -> auth.CreatedToken:
        created = await auth.create_token(session, name, scope, expires_days)
        await record_cli(
            session, "token.created", {"tokenId": created.token.id, "name": name, "scopes": scope}
        )
        return created

    created = run_with_session(work)
    typer.echo(created.secret)
    stderr.print(
        f"Created token {created.token.id} ({', '.join(created.token.scopes)}). "
        "It is shown only now: store it in your secret manager."
    )


def _token_row(token: AccessToken) -> dict[str, object]:
    return {
        "id": token.id,
        "name": token.name,
        "hint": token.hint,
        "scopes": token.scopes,
        "status": auth.token_status(token),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
    }


@tokens_app.command("list")
def tokens_list(as_json: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """List tokens (never their secrets)."""
    rows = [_token_row(t) for t in run_with_session(auth.list_tokens)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "hint", "scopes", "status", "last used")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["name"]),
            f"{r['hint']}…",
            ", ".join(r["scopes"]),  # type: ignore[arg-type]
            str(r["status"]),
            str(r["last_used_at"] or "never"),
        )
    stdout.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke a token; it fails on its next use."""

    async def work(session: AsyncSession) -> AccessToken:
        token = await auth.revoke_token(session, token_id)
        await record_cli(session, "token.revoked", {"tokenId": token_id})
        return token

    token = run_with_session(work)
    stderr.print(f"Revoked token {token.id} ({token.name}).")


@admin_app.command("create-user")
def admin_create_user(
    email: str = typer.Argument(..., help="The admin's email (their login)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read it from stdin."),
) -> None:
    """Create an admin user for the web UI."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(session: AsyncSession) -> AdminUser:
        user = await passwords.create_admin_user(session, email, password)
        await record_cli(
            session, "admin.user.created", {"after": {"id": user.id, "email": user.email}}
        )
        return user

    user = run_with_session(work)
    stderr.print(f"Created admin user {user.email}.")


@admin_app.command("setup-token")
def admin_setup_token() -> None:
    """Print a one-time token (valid 1 h) for creating the first administrator in the web UI
    from another machine."""

    async def work(session: AsyncSession) -> str:
        secret = await admin_sessions.create_setup_token(session)
        expires = admin_sessions.SETUP_TOKEN_TTL.total_seconds() // 60
        await record_cli(session, "admin.setup_token.created", {"expiresInMinutes": int(expires)})
        return secret

    secret = run_with_session(work)
    typer.echo(secret)
    stderr.print(
        "Paste it into the 'Setup token' field of /admin within an hour. It works once, "
        "and only while no administrator exists."
    )
