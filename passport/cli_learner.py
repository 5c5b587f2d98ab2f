"""`passport learner` and `passport outbox`: personal links, erasure, emails to learners."""

from __future__ import annotations

from typing import Annotated

import typer

from passport.cli_common import fail, learner_id_of, open_services, settings_now
from passport.services import utcnow

learner_app = typer.Typer(
    help="Learners: personal links, erasure of personal data.", no_args_is_help=True
)
outbox_app = typer.Typer(help="Emails to learners.", no_args_is_help=True)


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Send each newly enrolled learner their personal link, and anything else queued."""
    from passport.mail import MailRelayError  # noqa: PLC0415

    settings = settings_now()
    try:
        relay = settings.mail_relay()
    except MailRelayError as exc:
        fail(str(exc))
    if relay is None:
        fail("set PASSPORT_SMTP_URL (smtp://host:port) to say where emails go")
    services = open_services()
    try:
        services.projections.catch_up()
        done = services.outbox.deliver(relay, settings.mail_from, utcnow())
    except MailRelayError as exc:
        fail(str(exc))
    finally:
        services.close()
    typer.echo(
        f"queued {done.queued}, sent {done.sent}, failed {done.failed}; "
        f"{done.without_address} learner(s) have no email address"
    )
    raise typer.Exit(1 if done.failed else 0)


@learner_app.command("link")
def learner_link(
    learner_id: Annotated[str, typer.Argument(help="The learner's id (a UUID).")],
) -> None:
    """Make the learner a new personal link to their passport (the old one stops working)."""
    learner = learner_id_of(learner_id)
    services = open_services()
    try:
        services.projections.catch_up()
        view = services.views.passport(str(learner), utcnow().date())
        if view is None or view.erased:
            fail(f"no learner {learner} with a record to show")
        token = services.sharing.issue_learner_link(str(learner), utcnow())
    finally:
        services.close()
    typer.echo(f"{services.settings.base_url.rstrip('/')}/me/{token}")


@learner_app.command("erase")
def learner_erase(
    learner_id: Annotated[str, typer.Argument(help="The learner's id (a UUID).")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why, for the record (no personal data in it).")
    ],
) -> None:
    """Erase a learner's personal data for good; their credentials stay verifiable."""
    from passport.erasure import erase_learner  # noqa: PLC0415

    learner = learner_id_of(learner_id)
    if not reason.strip():
        fail("give a --reason: it is recorded with the erasure")
    services = open_services()
    try:
        erase_learner(services, learner, by="operator", reason=reason.strip())
    finally:
        services.close()
    typer.echo(f"erased the personal data of learner {learner}; their credentials still verify")
