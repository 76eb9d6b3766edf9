"""``jobmarket users ...``: account administration from the command line (the first admin comes from here)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Accounts of the API (relational store at DATABASE_URL, else SQLite in JOBMARKET_DATA_DIR).",
                  no_args_is_help=True)

PASSWORD_ENV = "JOBMARKET_ADMIN_PASSWORD"


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email (their login).")],
    full_name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[str | None, typer.Option(
        envvar=PASSWORD_ENV, show_envvar=True,
        help="The password (prefer the environment variable, or the prompt: a flag ends up in shell history).",
    )] = None,
) -> None:
    """Create an admin account (admins cannot register themselves through the API)."""
    from api.security import hash_password, password_problem, valid_email
    from api.settings import Settings
    from api.store import open_store, repository

    email = email.strip().lower()
    if not valid_email(email):
        typer.echo(f"not a valid email address: {email!r}", err=True)
        raise typer.Exit(2)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    settings = Settings()
    store = open_store(settings.database)
    try:
        with store.session() as session:
            try:
                user = repository.create_user(session, email=email, password_hash=hash_password(password),
                                              role="admin", full_name=full_name.strip())
            except repository.DuplicateEmail:
                typer.echo(f"an account with email {email} already exists", err=True)
                raise typer.Exit(1) from None
            user_id = user.id
    finally:
        store.close()
    typer.echo(f"admin {email} created (id {user_id})")
