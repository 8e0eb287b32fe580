"""The public reply page an invitation links to: no account, just the signed personal link."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from crm.extensions import db, limiter
from crm.forms.invitations import ReplyForm
from crm.invitation_links import LinkExpired, LinkInvalid, load_reply_target
from crm.models.enums import ReplyAnswer
from crm.permissions import public
from crm.services import invitations as invitations_service
from crm.views.helpers import commit_or_show_errors

bp = Blueprint("reply", __name__)

REPLY_LIMIT = "20 per hour"


def _too_many(_limit):
    # Flask-Limiter uses what on_breach returns only when it is a Response.
    page = render_template("reply/problem.html", title="Too many attempts", reason="limited")
    return make_response(page, 429)


@bp.route("/reply/<token>", methods=["GET", "POST"])
@public
@limiter.limit(REPLY_LIMIT, on_breach=_too_many)
def respond(token: str):
    try:
        target = load_reply_target(token)
    except LinkExpired:
        return render_template("reply/problem.html", title="This link has expired", reason="expired"), 410
    except LinkInvalid:
        return render_template("reply/problem.html", title="This link does not work", reason="invalid"), 400
    participation, session, person = target.participation, target.session, target.person
    first_name = invitations_service.greeting_name(person)
    if session.cancelled:
        return render_template("reply/cancelled.html", session=session, first_name=first_name)
    form = ReplyForm()
    if not form.is_submitted() and participation.reply is not None:
        form.answer.data = participation.reply.value
        form.creche_children.data = participation.creche_children
        form.creche_ages.data = participation.creche_ages
    if form.validate_on_submit():
        with commit_or_show_errors(form) as outcome:
            invitations_service.record_reply(participation, session, person, form.reply())
        if outcome.saved:
            return render_template(
                "reply/thanks.html", session=session, first_name=first_name, answer=ReplyAnswer(form.answer.data)
            )
    elif form.is_submitted():
        db.session.rollback()
    return render_template(
        "reply/respond.html", form=form, session=session, first_name=first_name, participation=participation
    )
