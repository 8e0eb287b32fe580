"""Delivering the outbox through SMTP.

`deliver_due()` is the worker behind `flask crm send-mail`. Unlike the other services it
commits: each message is claimed in its own short transaction before it is sent and marked
sent (or put back with a later attempt time) in another, so a worker that stops half-way
loses nothing, and two workers running at once never pick the same message.

Claiming a message moves its next attempt time forward by a lease; only a worker that
changed the row (the UPDATE's WHERE still matched) sends it. On PostgreSQL the candidates are
first chosen with FOR UPDATE SKIP LOCKED, so workers do not queue behind each other.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select, update

from crm.extensions import db
from crm.models import OutboxMessage
from crm.models.base import utcnow
from crm.models.enums import MessageStatus

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, … failed attempt; after MAX_ATTEMPTS the message fails.
BACKOFF_MINUTES = (1, 5, 30, 120, 480)
MAX_ATTEMPTS = 6
# How long a claimed message is held for the worker that claimed it.
CLAIM_LEASE = timedelta(minutes=10)
BATCH = 100


class MailNotConfigured(RuntimeError):
    pass


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def due_message_ids(now, limit: int = BATCH) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def claim(message_id: int, now) -> bool:
    """Take one due message for this worker; False when another worker already has it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Message-ID"] = make_msgid(domain="crm.invalid")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class _Connection:
    """One SMTP connection for a run, opened when first needed and again after a failure."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            smtp = smtplib.SMTP(self.config["SMTP_HOST"], self.config["SMTP_PORT"], timeout=30)
            try:
                if self.config.get("SMTP_STARTTLS"):
                    smtp.starttls()
                if self.config.get("SMTP_USERNAME"):
                    smtp.login(self.config["SMTP_USERNAME"], self.config.get("SMTP_PASSWORD") or "")
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(email)

    def reset(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
        self.smtp = None


def describe_error(error: Exception) -> str:
    """What went wrong, without the addresses or text an SMTP reply may quote."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(value[0]) for value in error.recipients.values()})
        return f"SMTPRecipientsRefused {' '.join(codes)}"
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:500]


def deliver_due(now=None, limit: int = BATCH) -> DeliveryResult:
    """Send the queued messages that are due; commits after each one."""
    if not smtp_configured():
        raise MailNotConfigured("SMTP is not configured (set SMTP_HOST)")
    now = now or utcnow()
    result = DeliveryResult()
    candidates = due_message_ids(now, limit)
    claimed = [message_id for message_id in candidates if claim(message_id, now)]
    db.session.commit()
    connection = _Connection(current_app.config)
    try:
        for message_id in claimed:
            message = db.session.get(OutboxMessage, message_id)
            try:
                connection.send(build_email(message))
            except (smtplib.SMTPException, OSError) as error:
                connection.reset()
                message.attempts += 1
                message.last_error = describe_error(error)
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = MessageStatus.FAILED
                    result.failed += 1
                else:
                    wait = BACKOFF_MINUTES[min(message.attempts, len(BACKOFF_MINUTES)) - 1]
                    message.next_attempt_at = now + timedelta(minutes=wait)
                    result.retrying += 1
                log.warning(
                    "Outbox message %s not sent (attempt %s): %s", message.id, message.attempts, message.last_error
                )
            else:
                message.attempts += 1
                message.status = MessageStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                result.sent += 1
            db.session.commit()
    finally:
        connection.reset()
    return result
