"""Session feedback for staff: set up a session's form, show its QR code, read the results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.forms.common import EmptyForm
from crm.forms.feedback import MoveTopicForm, TopicForm
from crm.models import Event, FeedbackForm, FeedbackTopic, Session
from crm.permissions import FEEDBACK_MANAGE, requires
from crm.queries import feedback as feedback_queries
from crm.services import feedback as feedback_service
from crm.views.feedback_public import public_link, qr_code_svg, short_link
from crm.views.helpers import commit_or_show_errors, get_or_404

bp = Blueprint("feedback", __name__)


def _load(session_id: int) -> tuple[Session, FeedbackForm | None]:
    session = get_or_404(Session, session_id)
    return session, feedback_queries.form_for_session(session.id)


def _load_form(session_id: int) -> tuple[Session, FeedbackForm]:
    session, form = _load(session_id)
    if form is None:
        abort(404)
    return session, form


def _load_topic(session_id: int, topic_id: int) -> tuple[Session, FeedbackForm, FeedbackTopic]:
    session, form = _load_form(session_id)
    topic = next((t for t in form.topics if t.id == topic_id), None)
    if topic is None:
        abort(404)
    return session, form, topic


def _to_manage(session: Session):
    return redirect(url_for("feedback.manage", session_id=session.id))


def _render_manage(session: Session, form: FeedbackForm | None, topic_form: TopicForm | None = None):
    context = {"session": session, "feedback": form, "confirm_form": EmptyForm()}
    if form is not None:
        link = public_link(form.code)
        context.update(
            link=link,
            short_link=short_link(link),
            qr_code=qr_code_svg(link, css_class="app-qr"),
            responses=feedback_queries.response_count(form.id),
            rated=feedback_queries.topic_rating_counts(form.id),
            topic_form=topic_form or TopicForm(formdata=None),
            # The page's error summary shows the errors of the form called `form`.
            form=topic_form,
            max_topics=feedback_service.MAX_TOPICS,
        )
    return render_template("feedback/manage.html", **context)


@bp.get("/sessions/<int:session_id>/feedback")
@requires(FEEDBACK_MANAGE)
def manage(session_id: int):
    session, form = _load(session_id)
    return _render_manage(session, form)


@bp.post("/sessions/<int:session_id>/feedback/set-up")
@requires(FEEDBACK_MANAGE)
def set_up(session_id: int):
    session, _ = _load(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_show_errors() as outcome:
        feedback_service.set_up_form(session, current_user)
    if outcome.saved:
        flash("The feedback form is ready and open. Check the topics people will rate.", "success")
    return _to_manage(session)


@bp.post("/sessions/<int:session_id>/feedback/topics")
@requires(FEEDBACK_MANAGE)
def add_topic(session_id: int):
    session, form = _load_form(session_id)
    topic_form = TopicForm()
    if topic_form.validate_on_submit():
        with commit_or_show_errors(topic_form) as outcome:
            topic = feedback_service.add_topic(form, topic_form.label.data, current_user)
        if outcome.saved:
            flash(f"Topic “{topic.label}” added.", "success")
            return _to_manage(session)
    return _render_manage(session, form, topic_form)


@bp.route("/sessions/<int:session_id>/feedback/topics/<int:topic_id>", methods=["GET", "POST"])
@requires(FEEDBACK_MANAGE)
def edit_topic(session_id: int, topic_id: int):
    session, form, topic = _load_topic(session_id, topic_id)
    rated = feedback_queries.topic_rating_counts(form.id).get(topic.id, 0)
    topic_form = TopicForm(data={"label": topic.label})
    if topic_form.validate_on_submit():
        with commit_or_show_errors(topic_form) as outcome:
            changed = feedback_service.rename_topic(form, topic, topic_form.label.data, current_user)
        if outcome.saved:
            flash("Topic changed." if changed else "Nothing was changed.", "success")
            return _to_manage(session)
    return render_template("feedback/topic.html", session=session, topic=topic, form=topic_form, rated=rated)


@bp.post("/sessions/<int:session_id>/feedback/topics/<int:topic_id>/move")
@requires(FEEDBACK_MANAGE)
def move_topic(session_id: int, topic_id: int):
    session, form, topic = _load_topic(session_id, topic_id)
    move_form = MoveTopicForm()
    if not move_form.validate_on_submit():
        abort(400)
    with commit_or_show_errors():
        feedback_service.move_topic(form, topic, move_form.direction.data, current_user)
    return _to_manage(session)


@bp.post("/sessions/<int:session_id>/feedback/topics/<int:topic_id>/remove")
@requires(FEEDBACK_MANAGE)
def remove_topic(session_id: int, topic_id: int):
    session, form, topic = _load_topic(session_id, topic_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    label = topic.label
    with commit_or_show_errors() as outcome:
        feedback_service.remove_topic(form, topic, current_user)
    if outcome.saved:
        flash(f"Topic “{label}” removed.", "success")
    return _to_manage(session)


def _set_open(session_id: int, is_open: bool):
    session, form = _load_form(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with commit_or_show_errors() as outcome:
        feedback_service.set_form_open(form, is_open, current_user)
    if outcome.saved:
        flash(
            "The feedback form is open: the link and QR code work."
            if is_open
            else "The feedback form is closed: no more responses can be sent.",
            "success",
        )
    return _to_manage(session)


@bp.post("/sessions/<int:session_id>/feedback/open")
@requires(FEEDBACK_MANAGE)
def open_form(session_id: int):
    return _set_open(session_id, True)


@bp.post("/sessions/<int:session_id>/feedback/close")
@requires(FEEDBACK_MANAGE)
def close_form(session_id: int):
    return _set_open(session_id, False)


@bp.get("/sessions/<int:session_id>/feedback/screen")
@requires(FEEDBACK_MANAGE)
def screen(session_id: int):
    session, form = _load(session_id)
    if form is None:
        return _to_manage(session)
    link = public_link(form.code)
    return render_template(
        "feedback/screen.html",
        session=session,
        feedback=form,
        short_link=short_link(link),
        qr_code=qr_code_svg(link, css_class="app-qr app-qr--screen"),
    )


@bp.get("/sessions/<int:session_id>/feedback/results")
@requires(FEEDBACK_MANAGE)
def results(session_id: int):
    session, form = _load(session_id)
    if form is None:
        return _to_manage(session)
    return render_template(
        "feedback/results.html",
        session=session,
        feedback=form,
        results=feedback_queries.session_results(form),
        answers=feedback_queries.written_answers(form_id=form.id),
    )


@bp.get("/sessions/events/<int:event_id>/feedback")
@requires(FEEDBACK_MANAGE)
def event_results(event_id: int):
    event = get_or_404(Event, event_id)
    return render_template(
        "feedback/event_results.html",
        event=event,
        results=feedback_queries.event_results(event.id),
        sessions=feedback_queries.event_session_counts(event.id),
        answers=feedback_queries.written_answers(event_id=event.id),
    )
