"""Topic categories per field, kept by coordinators."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import get_or_404, options
from callcenter.extensions import db
from callcenter.models import Field, TopicCategory
from callcenter.models.lengths import max_length


class CategoryForm(FlaskForm):
    """A new topic, or a subtopic of an existing one."""

    parent = SelectField(_l("상위 주제"), coerce=lambda v: int(v) if v else None)
    name_ko = StringField(
        _l("이름 (한국어)"),
        validators=[DataRequired(), Length(max=max_length(TopicCategory.name_ko))],
    )
    name_en = StringField(
        _l("이름 (영어)"),
        validators=[DataRequired(), Length(max=max_length(TopicCategory.name_en))],
    )
    position = IntegerField(
        _l("순서"), validators=[Optional(), NumberRange(min=0, max=9999)], default=0
    )


@bp.route("/fields/<int:field_id>/categories", methods=["GET", "POST"])
@coordinator_required
def categories(field_id: int) -> str | Response | tuple[str, int]:
    """List a field's topics and add one."""
    field = get_or_404(Field, field_id)
    topics = db.session.scalars(
        select(TopicCategory)
        .where(TopicCategory.field_id == field.id)
        .order_by(TopicCategory.position, TopicCategory.name_ko)
    ).all()
    form = CategoryForm()
    form.parent.choices = options(
        [("", _("없음 (최상위)"))]
        + [(t.id, t.name(str(get_locale()))) for t in topics if t.parent_id is None]
    )
    if form.validate_on_submit():
        db.session.add(
            TopicCategory(
                field_id=field.id,
                parent_id=form.parent.data,
                name_ko=(form.name_ko.data or "").strip(),
                name_en=(form.name_en.data or "").strip(),
                position=form.position.data or 0,
            )
        )
        db.session.commit()
        flash(_("주제를 추가했습니다."), "info")
        return redirect(url_for("backoffice.categories", field_id=field.id))
    return render_template(
        "backoffice/categories.html",
        field=field,
        topics=topics,
        form=form,
        fields=db.session.scalars(Field.menu()).all(),
    ), (422 if request.method == "POST" else 200)


@bp.post("/categories/<int:category_id>/toggle")
@coordinator_required
def toggle_category(category_id: int) -> Response:
    """Retire a topic from the forms, or bring it back; old consultations keep it."""
    topic = get_or_404(TopicCategory, category_id)
    topic.active = not topic.active
    db.session.commit()
    return redirect(url_for("backoffice.categories", field_id=topic.field_id))


@bp.get("/categories")
@coordinator_required
def categories_index() -> Response:
    """Open the topics of the first field."""
    first = db.session.scalars(Field.menu()).first()
    return redirect(url_for("backoffice.categories", field_id=first.id if first else 0))
