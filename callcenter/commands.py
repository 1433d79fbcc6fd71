"""Commands for accounts and demo data: `flask users create`, `flask demo load`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter.accounts import AccountError, create_user
from callcenter.extensions import db
from callcenter.models import Counselor
from callcenter.phones import InvalidPhoneNumber, to_e164

users_cli = AppGroup("users", help="Manage back-office accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the line on a laptop.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "coordinator", "counselor"]), required=True)
@click.option("--counselor", "counselor_phone", help="Phone number of the linked counselor.")
@click.option("--password", help="Password; asked for when not given.")
def create_user_command(
    email: str, role: str, counselor_phone: str | None, password: str | None
) -> None:
    """Create a back-office account."""
    counselor = None
    if counselor_phone:
        try:
            phone = to_e164(counselor_phone)
        except InvalidPhoneNumber as exc:
            raise click.BadParameter(str(exc), param_hint="--counselor") from None
        counselor = db.session.scalar(select(Counselor).where(Counselor.phone == phone))
        if counselor is None:
            raise click.BadParameter(
                f"no counselor has the number {counselor_phone}; import the roster first",
                param_hint="--counselor",
            )
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, role, password, counselor)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    linked = f", linked to {counselor.name}" if counselor else ""
    click.echo(f"Created {user.role} account {user.email}{linked}.")


@demo_cli.command("load")
def load_demo_command() -> None:
    """Load a demo office: roster, topics, six months of history, logins (development only)."""
    from callcenter.demo import load_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data is refused in production")
    logins = load_demo(db.session, progress=click.echo)
    db.session.commit()
    click.echo("Demo data loaded. Back-office logins:")
    for email, role, password in logins:
        click.echo(f"  {role:<12} {email:<28} password: {password}")
