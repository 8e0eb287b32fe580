"""`flask crm …` commands."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from crm.extensions import db
from crm.models.enums import Role
from crm.services.errors import InvalidInput

crm_cli = AppGroup("crm", help="Co-production CRM commands.")


@crm_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(Role.values()), required=True)
@click.option("--name", default=None, help="Display name (defaults to the part of the email before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Add a staff account."""
    from crm.services.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, name or email.split("@")[0], Role(role), password)
    except InvalidInput as error:
        db.session.rollback()
        for field, message in error.fields.items():
            click.echo(f"Error: {field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} account {user.email}.")


@crm_cli.command("create-token")
@click.argument("email")
def create_token_command(email: str) -> None:
    """Print a new API token for the user with EMAIL (only its hash is stored)."""
    from sqlalchemy import select

    from crm.models import User
    from crm.services.users import create_api_token

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.enabled:
        click.echo("Error: no enabled account has that email address.", err=True)
        sys.exit(1)
    token = create_api_token(user)
    db.session.commit()
    click.echo(token)


@crm_cli.command("setup-link")
def setup_link_command() -> None:
    """Print the one-time link to create the first administrator (only when there are no accounts)."""
    from crm.services.users import count_users
    from crm.setup_link import make_setup_token

    if count_users():
        click.echo(f"Sign in at {current_app.config['BASE_URL']}/sign-in")
        return
    hours = current_app.config["SETUP_LINK_MAX_AGE"] // 3600
    link = f"{current_app.config['BASE_URL']}/setup/{make_setup_token()}"
    click.echo("")
    click.echo("No accounts yet. Open this link to create the first administrator")
    click.echo(f"(it works once, for {hours} hours):")
    click.echo("")
    click.echo(f"    {link}")
    click.echo("")


@crm_cli.command("demo")
@click.option("--password-stdin", is_flag=True, help="Read the demo accounts' password from standard input.")
def demo_command(password_stdin: bool) -> None:
    """Load the demo dataset into an empty database and print one account per role."""
    from crm.demo import DemoError, load_demo

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        accounts = load_demo(password=password)
    except DemoError as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo("Demo data loaded. Sign in with any of these accounts:")
    for email, role, pw in accounts:
        click.echo(f"    {role:<12} {email:<32} password: {pw}")


def init_app(app: Flask) -> None:
    app.cli.add_command(crm_cli)
