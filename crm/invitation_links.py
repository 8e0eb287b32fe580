"""Personal reply links in invitation emails.

A link carries only the participation's id, signed with the application's secret, so it holds
no personal data and cannot be altered. It works until the end of the session's day; the
signature's own age limit is a backstop for links to sessions whose date later moves."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from crm.consent import uk_today
from crm.extensions import db

SALT = "crm.reply"
# No invitation goes out more than a year ahead of its session.
MAX_AGE = 60 * 60 * 24 * 400


class LinkInvalid(Exception):
    """The link was altered or never issued here."""


class LinkExpired(Exception):
    """The link was genuine but the session it is for is over."""


@dataclass
class ReplyTarget:
    participation: object
    session: object
    person: object


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_reply_token(participation_id: int) -> str:
    return _serializer().dumps({"p": participation_id})


def reply_url(participation_id: int) -> str:
    return f"{current_app.config['BASE_URL']}/reply/{make_reply_token(participation_id)}"


def today():
    return uk_today()


def load_reply_target(token: str) -> ReplyTarget:
    """The participation a token is for, with its session and person; raises LinkInvalid or
    LinkExpired."""
    from crm.models import Participation, Person, Session

    try:
        payload = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired as error:
        raise LinkExpired() from error
    except BadSignature as error:
        raise LinkInvalid() from error
    participation_id = payload.get("p") if isinstance(payload, dict) else None
    if not isinstance(participation_id, int):
        raise LinkInvalid()
    participation = db.session.get(Participation, participation_id)
    if participation is None:
        # The invitation was withdrawn or the person's record removed.
        raise LinkInvalid()
    session = db.session.get(Session, participation.session_id)
    person = db.session.get(Person, participation.person_id)
    if session.date < today():
        raise LinkExpired()
    return ReplyTarget(participation=participation, session=session, person=person)
