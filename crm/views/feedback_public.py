"""The public feedback form a session's link and QR code open: no account, anonymous by default.

Spam is kept down by a rate limit per address and a honeypot field: a response with the honeypot
filled is dropped, but the sender sees the usual thank-you page, so a program learns nothing."""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, make_response, redirect, render_template, url_for
from markupsafe import Markup

from crm.extensions import db, limiter
from crm.forms.feedback import HONEYPOT, RATING_HINT, response_form
from crm.permissions import public
from crm.queries.feedback import form_by_code
from crm.services import feedback as feedback_service
from crm.views.helpers import commit_or_show_errors

bp = Blueprint("feedback_public", __name__)

# A whole room may share one address (the venue's wifi), so the limits allow a class-sized burst
# of responses; anything faster is a program.
SEND_LIMIT = "30 per minute; 150 per hour"
VIEW_LIMIT = "120 per minute; 600 per hour"


def public_link(code: str) -> str:
    return f"{current_app.config['BASE_URL']}/f/{code}"


def short_link(link: str) -> str:
    """The link as people type it: without the scheme."""
    return link.split("://", 1)[-1]


def qr_code_svg(link: str, *, css_class: str) -> Markup:
    """The link as an inline SVG QR code: drawn with SVG attributes only (no style attributes,
    which the Content Security Policy would block), black on a white quiet zone, sized by CSS."""
    qr = segno.make(link, error="m")
    svg = qr.svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=css_class,
        lineclass=None,
        title="QR code for the feedback form",
    )
    # segno's output is path data and the fixed title above: nothing from a request.
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704


def _too_many(_limit):
    # Flask-Limiter uses what this returns only when it is a Response object.
    return make_response(render_template("feedback/problem.html", reason="limited"), 429)


@bp.route("/f/<code>", methods=["GET", "POST"])
@public
@limiter.limit(VIEW_LIMIT, on_breach=_too_many)
@limiter.limit(SEND_LIMIT, methods=["POST"], on_breach=_too_many)
def respond(code: str):
    form = form_by_code(code) if len(code) <= 16 else None
    if form is None:
        return render_template("feedback/problem.html", reason="unknown"), 404
    session = form.session
    if not form.is_open or session.cancelled:
        return render_template("feedback/problem.html", reason="closed", session=session)
    response_form_ = response_form(form.topics)
    if response_form_.validate_on_submit():
        if response_form_.is_spam():
            return redirect(url_for("feedback_public.thanks", code=form.code))
        with commit_or_show_errors(response_form_) as outcome:
            feedback_service.submit_response(form, response_form_.answers())
        if outcome.saved:
            return redirect(url_for("feedback_public.thanks", code=form.code))
    elif response_form_.is_submitted():
        db.session.rollback()
    return render_template(
        "feedback/respond.html",
        session=session,
        topics=form.topics,
        form=response_form_,
        honeypot=HONEYPOT,
        rating_hint=RATING_HINT,
    )


@bp.get("/f/<code>/thanks")
@public
def thanks(code: str):
    form = form_by_code(code) if len(code) <= 16 else None
    if form is None:
        return render_template("feedback/problem.html", reason="unknown"), 404
    return render_template("feedback/thanks.html", session=form.session)
