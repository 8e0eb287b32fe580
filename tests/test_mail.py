"""Delivering the outbox to a real SMTP server on loopback: delivery, outage, recovery, never twice."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from crm.models import OutboxMessage
from crm.models.base import utcnow
from crm.models.enums import MessageStatus, Role
from crm.services import mail
from crm.services.invitations import invite_people
from tests.factories import ConsentFactory, PersonFactory, SessionFactory, UserFactory


class Inbox:
    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    yield server
    server.stop()


@pytest.fixture
def invitation(db):
    session = SessionFactory(title="Story time co-design")
    person = PersonFactory(first_name="Nia", email="nia@example.com")
    ConsentFactory(person=person)
    invite_people(session, [person.id], UserFactory(role=Role.COORDINATOR))
    db.session.commit()
    return db.session.scalars(select(OutboxMessage)).one()


def send_mail(runner):
    result = runner.invoke(args=["crm", "send-mail"])
    assert result.exit_code == 0, result.output
    return result.output


def test_send_mail_delivers_the_invitation_with_its_reply_link(runner, smtp, invitation, db, app):
    output = send_mail(runner)

    assert "Sent 1" in output
    (envelope,) = smtp.inbox.received
    assert envelope.rcpt_tos == ["nia@example.com"]
    email = message_from_bytes(envelope.content, policy=policy.default)
    assert email["Subject"] == "You're invited: Story time co-design"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert f"{app.config['BASE_URL']}/reply/" in text and "/reply/" in html
    db.session.refresh(invitation)
    assert invitation.status == MessageStatus.SENT and invitation.sent_at is not None

    send_mail(runner)
    assert len(smtp.inbox.received) == 1  # never sent twice


def test_an_outage_loses_nothing_and_recovery_delivers_once(runner, smtp, invitation, db, monkeypatch):
    smtp.stop()
    before = utcnow()
    output = send_mail(runner)

    assert "will retry 1" in output
    db.session.refresh(invitation)
    assert invitation.status == MessageStatus.QUEUED
    assert invitation.attempts == 1
    assert invitation.next_attempt_at > before
    assert invitation.last_error and "nia@example.com" not in invitation.last_error

    smtp.start()
    send_mail(runner)
    assert smtp.inbox.received == []  # not due yet: the backoff holds

    later = utcnow() + dt.timedelta(minutes=2)
    monkeypatch.setattr(mail, "utcnow", lambda: later)
    send_mail(runner)
    send_mail(runner)

    assert len(smtp.inbox.received) == 1
    db.session.refresh(invitation)
    assert invitation.status == MessageStatus.SENT
    assert invitation.attempts == 2


def test_after_six_failed_attempts_a_message_fails(runner, smtp, invitation, db, monkeypatch):
    smtp.stop()
    moment = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        moment += dt.timedelta(hours=9)
        monkeypatch.setattr(mail, "utcnow", lambda moment=moment: moment)
        send_mail(runner)
    db.session.refresh(invitation)
    assert invitation.status == MessageStatus.FAILED
    assert invitation.attempts == mail.MAX_ATTEMPTS
    assert invitation.last_error


def test_a_message_is_claimed_by_one_worker_only(invitation, db):
    now = utcnow()
    assert mail.claim(invitation.id, now) is True
    assert mail.claim(invitation.id, now) is False
    assert mail.due_message_ids(now) == []


def test_without_smtp_nothing_is_sent_and_staff_can_read_the_outbox(runner, invitation, client, login_as, db):
    output = send_mail(runner)
    assert "SMTP is not configured" in output and "1 messages wait" in output
    db.session.refresh(invitation)
    assert (invitation.status, invitation.attempts) == (MessageStatus.QUEUED, 0)

    login_as(Role.COORDINATOR)
    listing = client.get("/invitations/outbox").get_data(as_text=True)
    assert "Email sending is not set up" in listing
    assert "nia@example.com" in listing and "Waiting to send" in listing
    message_page = client.get(f"/invitations/outbox/{invitation.id}").get_data(as_text=True)
    assert "Hello Nia," in message_page and "/reply/" in message_page


class TestTwoWorkersAtOnce:
    """Two `send-mail` runs at the same moment, each in its own thread and app context, against a
    database of their own with real commits: every queued message is delivered exactly once."""

    MESSAGES = 12

    @pytest.fixture(autouse=True)
    def db(self):
        """Replaces the rolled-back `db` fixture: the workers commit for real."""
        yield _db

    @pytest.fixture
    def live(self, fresh_database_url):
        server = SmtpServer()
        server.start()
        app = create_app(
            TestConfig(
                SQLALCHEMY_DATABASE_URI=fresh_database_url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=server.port,
                SMTP_STARTTLS=False,
            )
        )
        with app.app_context():
            upgrade()
            session = SessionFactory(title="Rhyme time co-design", date=dt.date.today() + dt.timedelta(days=7))
            people = [PersonFactory(email=f"worker-test-{n}@example.com") for n in range(self.MESSAGES)]
            for person in people:
                ConsentFactory(person=person)
            invite_people(session, [person.id for person in people], UserFactory(role=Role.COORDINATOR))
            _db.session.commit()
        yield app, server
        server.stop()
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()

    def test_each_message_is_delivered_exactly_once(self, live):
        app, server = live
        barrier = threading.Barrier(2)
        results: list = [None, None]
        errors: list = []

        def worker(index: int) -> None:
            try:
                with app.app_context():
                    barrier.wait(timeout=10)
                    results[index] = mail.deliver_due()
                    _db.session.remove()
            except Exception as error:  # reported below, so a failing thread fails the test
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert sum(result.sent for result in results) == self.MESSAGES
        assert all(result.retrying == 0 and result.failed == 0 for result in results)

        recipients = sorted(rcpt for envelope in server.inbox.received for rcpt in envelope.rcpt_tos)
        assert recipients == sorted(f"worker-test-{n}@example.com" for n in range(self.MESSAGES))
        with app.app_context():
            statuses = _db.session.scalars(select(OutboxMessage.status)).all()
            assert statuses == [MessageStatus.SENT] * self.MESSAGES
            # A third run finds nothing left to send.
            assert mail.deliver_due().sent == 0
            _db.session.remove()
        assert len(server.inbox.received) == self.MESSAGES
