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


@crm_cli.command("import-attendance")
@click.argument("session_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "zoom", "teams", "eventbrite", "csv"]),
    default="auto",
    show_default=True,
    help="Where the report is from; auto works it out from the file.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; write nothing.")
@click.option("--create-new", is_flag=True, help="Add people who are not in the CRM yet.")
@click.option("--min-minutes", type=click.IntRange(min=0), default=0, help="Count as attended only from N minutes.")
def import_attendance_command(session_id: int, file: str, fmt: str, dry_run: bool, create_new: bool, min_minutes: int):
    """Log attendance at SESSION_ID from a Zoom, Teams, Eventbrite or CSV report FILE.

    Prints who was matched, new, ambiguous and skipped. Ambiguous names are not recorded here:
    import the file on the session's page to choose who they are."""
    from crm.models import Session
    from crm.services.attendance_import import apply_import, preview_import

    session = db.session.get(Session, session_id)
    if session is None:
        click.echo(f"Error: there is no session with id {session_id}.", err=True)
        sys.exit(1)
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as error:
        click.echo(f"Error: cannot read {file}: {error.strerror or error}.", err=True)
        sys.exit(1)
    try:
        preview = preview_import(session, data, file, fmt, min_minutes=min_minutes)
    except InvalidInput as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    _print_import_preview(session, preview, create_new)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    try:
        result = apply_import(session, preview, {}, None, create_new=create_new)
    except InvalidInput as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"Recorded {result.written} participations ({result.matched} matched, {result.created} new people); "
        f"{result.unchanged} already up to date, {result.skipped} not recorded."
    )


def _print_import_preview(session, preview, create_new: bool) -> None:
    click.echo(
        f"{session.title} ({session.date:%d %B %Y}), {preview.format_name}: {len(preview.rows)} people "
        f"from {preview.report_rows} rows."
    )
    click.echo(f"Matched: {len(preview.matched)}")
    new_note = "" if create_new or not preview.new else " (not added: use --create-new to add them)"
    click.echo(f"New: {len(preview.new)}{new_note}")
    for row in preview.new:
        shared = " (email address on other tickets too: not saved with them)" if row.shared_email else ""
        click.echo(f"  line {row.line}: {row.name or row.email}{shared}")
    click.echo(
        f"Ambiguous: {len(preview.ambiguous)}"
        + (" (not recorded: resolve them by importing the file on the session's page)" if preview.ambiguous else "")
    )
    for row in preview.ambiguous:
        options = "; ".join(f"{c.name} (id {c.person_id}, {c.reason})" for c in row.candidates)
        click.echo(f"  line {row.line}: {row.name} could be {options}")
    click.echo(f"Skipped: {len(preview.skipped)}")
    for row in preview.skipped:
        click.echo(f"  line {row.line}: {row.name or row.email or 'no name'}: {row.skip_reason}")


@crm_cli.command("seed")
@click.option("--people", type=click.IntRange(min=1), required=True, help="How many people to create.")
@click.option("--sessions", type=click.IntRange(min=1), required=True, help="How many sessions to create.")
@click.option(
    "--participations",
    type=click.IntRange(min=0),
    default=None,
    help="How many participation rows to aim for (default: 10 per person).",
)
@click.option("--random-seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option(
    "--years",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="How many years back the sessions go (1 packs everything into the last year).",
)
def seed_command(people: int, sessions: int, participations: int | None, random_seed: int, years: int) -> None:
    """Fill a database without people with synthetic data at scale, for benchmarks."""
    import time

    from crm.seed import SeedError, analyse, seed

    started = time.perf_counter()

    def progress(message: str) -> None:
        click.echo(f"{time.perf_counter() - started:7.1f} s  {message}")

    try:
        counts = seed(people, sessions, participations, random_seed=random_seed, progress=progress, years=years)
    except SeedError as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    analyse()
    db.session.commit()
    progress("committed")
    click.echo(", ".join(f"{count:,} {table.replace('_', ' ')}" for table, count in counts.items()))


@crm_cli.command("send-mail")
def send_mail_command() -> None:
    """Deliver the queued email that is due (run it every minute from cron or a worker)."""
    from sqlalchemy import func, select

    from crm.models import OutboxMessage
    from crm.models.enums import MessageStatus
    from crm.services.mail import deliver_due, smtp_configured

    if not smtp_configured():
        waiting = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == MessageStatus.QUEUED)
        )
        click.echo(f"SMTP is not configured (set SMTP_HOST): nothing sent. {waiting} messages wait in the outbox.")
        return
    result = deliver_due()
    click.echo(f"Sent {result.sent}, will retry {result.retrying}, failed {result.failed}.")


def init_app(app: Flask) -> None:
    import crm.commands.data_protection  # noqa: F401
    import crm.commands.people_import  # noqa: F401
    import crm.commands.reports  # noqa: F401

    app.cli.add_command(crm_cli)
