"""Reading a session's invitations and replies, and the email outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, select

from crm.extensions import db
from crm.models import OutboxMessage, Participation, Person
from crm.models.enums import MessageKind, ReplyAnswer
from crm.queries.people import name_order


def _emailed(kind: MessageKind = MessageKind.INVITATION):
    return exists().where(
        OutboxMessage.session_id == Participation.session_id,
        OutboxMessage.person_id == Participation.person_id,
        OutboxMessage.kind == kind,
    )


def invitation_rows(session_id: int) -> list:
    """Everyone invited to the session or who replied, with whether they were emailed."""
    return db.session.execute(
        select(
            Person.id.label("person_id"),
            Person.first_name,
            Person.last_name,
            Person.phone,
            Participation.status,
            Participation.invited_at,
            Participation.reminded_at,
            Participation.reply,
            Participation.replied_at,
            Participation.creche_children,
            Participation.creche_ages,
            Participation.reply_note,
            _emailed().label("emailed"),
        )
        .join(Person, Person.id == Participation.person_id)
        .where(
            Participation.session_id == session_id,
            (Participation.invited_at.is_not(None)) | (Participation.reply.is_not(None)),
        )
        .order_by(*name_order())
    ).all()


@dataclass
class InvitationSummary:
    invited: int
    replied_yes: int
    replied_no: int
    replied_maybe: int
    not_replied: int
    creche_requested: int


def invitation_summary(session_id: int) -> InvitationSummary:
    invited = Participation.invited_at.is_not(None)
    row = db.session.execute(
        select(
            func.count(Participation.id).filter(invited),
            func.count(Participation.id).filter(Participation.reply == ReplyAnswer.YES),
            func.count(Participation.id).filter(Participation.reply == ReplyAnswer.NO),
            func.count(Participation.id).filter(Participation.reply == ReplyAnswer.MAYBE),
            func.count(Participation.id).filter(and_(invited, Participation.reply.is_(None))),
            func.coalesce(
                func.sum(case((Participation.reply == ReplyAnswer.YES, Participation.creche_children), else_=0)), 0
            ),
        ).where(Participation.session_id == session_id)
    ).one()
    return InvitationSummary(*[int(value or 0) for value in row])


def outbox_query(status=None) -> Select:
    query = select(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
