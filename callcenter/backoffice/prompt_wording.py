"""What the voice line says, reworded by coordinators: each prompt's text per language."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db
from callcenter.timezone import line_timezone
from ivr import prompts, wording

# Where each prompt is heard, in the order a call meets them.
PROMPT_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        _l("인사와 분야 메뉴: 전화를 받자마자"),
        (
            "greeting",
            "recording_notice",
            "respect_notice",
            "menu_field",
            "menu_desk",
            "menu_choose",
            "menu_english",
            "menu_korean",
            "menu_repeat",
        ),
    ),
    (
        _l("메뉴에서 고르지 못했을 때"),
        (
            "no_input",
            "invalid_choice",
            "speech_not_understood",
            "speech_again",
            "desk_closed",
            "menu_offer",
            "line_hours",
        ),
    ),
    (
        _l("상담위원과 민원 창구 연결"),
        ("connecting", "trying_next", "nobody_answered", "desk_connecting", "desk_unavailable"),
    ),
    (
        _l("상담위원이 전화를 받을 때 듣는 안내"),
        ("whisper", "whisper_english", "whisper_auto", "whisper_declined", "whisper_taken"),
    ),
    (
        _l("모든 상담위원이 통화 중일 때: 대기"),
        (
            "queue_enter",
            "queue_return",
            "queue_position",
            "queue_leave_hint",
            "queue_keep_turn_hint",
            "kept_turn_done",
            "kept_turn_unavailable",
            "kept_turn_sms",
            "queue_too_long",
            "queue_unavailable",
        ),
    ),
    (
        _l("상담 시간이 아니거나 연결되지 않을 때"),
        (
            "closed_holiday",
            "closed_day",
            "closed_day_reason",
            "closed_now_field",
            "closed_now_line",
            "closed_now_note",
            "closed_next",
            "closed_unknown",
            "offer",
            "offer_callback_only",
            "offer_booking",
            "booking_link_sent",
            "booking_link_sms",
            "voicemail_without_keys",
        ),
    ),
    (
        _l("콜백 요청"),
        (
            "callback_confirm",
            "callback_enter",
            "callback_invalid",
            "callback_korean_only",
            "offer_abroad",
            "callback_number_failed",
            "callback_done",
            "callback_unavailable",
            "callback_sms_note",
            "callback_sms",
        ),
    ),
    (
        _l("상담위원이 회신 전화를 걸 때 듣는 안내"),
        (
            "callback_bridge_intro",
            "callback_bridge_no_input",
            "callback_bridge_gone",
            "callback_bridge_refused",
            "callback_bridge_busy",
            "callback_bridge_after",
        ),
    ),
    (_l("음성 메시지"), ("voicemail_prompt", "voicemail_done", "voicemail_empty")),
    (
        _l("통화를 마칠 때"),
        ("survey", "survey_thanks", "call_again_at", "call_again_now", "goodbye"),
    ),
    (
        _l("상담 중에 상담 위원이나 제한 시간이 통화를 바꿀 때"),
        ("ended_for_abuse", "conversation_time_limit", "transfer_announce"),
    ),
    (
        _l("차단 번호와 장애 안내"),
        ("blocked", "sorry", "fallback_desk", "fallback_later"),
    ),
)
OUTAGE_NOTE = _l("장애 때는 데이터베이스 없이 답하므로 기본 문구가 나갈 수 있습니다.")
PROMPT_NOTES = {
    "menu_field": _l("분야마다 한 번씩 이어서 읽습니다."),
    "menu_english": _l("한국어 메뉴 끝에 영어 목소리로 읽습니다."),
    "menu_korean": _l("영어 메뉴 끝에 한국어 목소리로 읽습니다."),
    "callback_sms": _l("음성이 아니라 문자 메시지로 보냅니다."),
    "booking_link_sms": _l("음성이 아니라 문자 메시지로 보냅니다."),
    "kept_turn_sms": _l("음성이 아니라 문자 메시지로 보냅니다."),
    "sorry": OUTAGE_NOTE,
    "fallback_desk": OUTAGE_NOTE,
    "fallback_later": OUTAGE_NOTE,
}
LANGUAGE_LABELS = {"ko": _l("한국어"), "en": "English"}


def group_of(key: str) -> str:
    """Return where a prompt is heard."""
    return next(str(label) for label, keys in PROMPT_GROUPS if key in keys)


def wording_message(error: wording.WordingError) -> str:
    """Say what to fix in a refused wording."""
    if error.reason == "empty":
        return _(
            "빈 문구는 저장할 수 없습니다. "
            "기본 문구로 돌아가려면 '기본 문구로 되돌리기'를 누르십시오."
        )
    if error.reason == "too_long":
        return _("문구는 %(max)s자까지 쓸 수 있습니다.", max=wording.MAX_LENGTH)
    if error.reason == "control":
        return _(
            "문구에 보이지 않는 제어 문자(워드 프로세서에서 복사한 세로 탭 등)가 들어 있습니다. "
            "그 부분을 지우고 다시 입력하십시오."
        )
    if error.reason == "braces":
        return _("중괄호 { }의 짝이 맞지 않습니다.")
    if not error.expected:
        return _("이 문구에는 { }로 쓰는 자리 표시를 넣을 수 없습니다.")
    return _(
        "이 문구에는 자리 표시 %(expected)s를 그대로 넣어야 하고, 다른 자리 표시는 쓸 수 없습니다.",
        expected=", ".join(sorted(error.expected)),
    )


class WordingForm(FlaskForm):
    """A prompt's new text in one language."""

    text = TextAreaField(_l("문구"), render_kw={"rows": 4, "maxlength": wording.MAX_LENGTH})

    def __init__(self, key: str, language: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prompt = (key, language)

    def validate_text(self, field: TextAreaField) -> None:
        """Refuse wording the line could not speak in place of the prompt."""
        try:
            wording.checked_wording(*self.prompt, field.data or "")
        except wording.WordingError as exc:
            raise ValidationError(wording_message(exc)) from exc


def _known_prompt(key: str, language: str) -> None:
    """Answer 404 for a key or language the catalogue does not have."""
    if not wording.is_prompt(key, language):
        abort(404)


def _speak_now(done: str) -> None:
    """Reload this worker's wording from the database at once, and say when calls hear it."""
    prompts.forget_overrides()
    # Reloaded now rather than at the next new call, so that calls already under way in this
    # worker do not fall back to the defaults meanwhile.
    prompts.refresh_overrides(db.session)
    flash(" ".join((done, _("다음 통화부터 들리며, 다른 서버에는 30초 안에 반영됩니다."))), "info")


@bp.get("/line/prompts")
@coordinator_required
def prompt_list() -> str:
    """List every prompt by where it is heard, with its default and current wording."""
    return render_template(
        "backoffice/line/prompts.html",
        groups=PROMPT_GROUPS,
        catalogue=prompts.CATALOGUE,
        overrides=wording.overrides(db.session),
        notes=PROMPT_NOTES,
        languages=LANGUAGE_LABELS,
    )


@bp.route("/line/prompts/<key>/<language>", methods=["GET", "POST"])
@coordinator_required
def edit_prompt(key: str, language: str) -> str | Response | tuple[str, int]:
    """Reword a prompt in one language; the next call hears it."""
    _known_prompt(key, language)
    override = wording.find_override(db.session, key, language)
    form = WordingForm(key, language)
    if request.method == "GET":
        form.text.data = override.text if override else prompts.default_text(key, language)
    if form.validate_on_submit():
        saved = wording.save_override(db.session, key, language, form.text.data or "", current_user)
        audit_event("edit", "prompt", saved.id, key=key, language=language)
        db.session.commit()
        _speak_now(_("새 문구를 저장했습니다."))
        return redirect(url_for("backoffice.prompt_list", _anchor=f"prompt-{key}"))
    return render_template(
        "backoffice/line/prompt_form.html",
        form=form,
        key=key,
        language=language,
        group=group_of(key),
        note=PROMPT_NOTES.get(key),
        default=prompts.default_text(key, language),
        placeholders=sorted(wording.placeholders(prompts.default_text(key, language))),
        override=override,
        languages=LANGUAGE_LABELS,
        tz=line_timezone(),
    ), (422 if request.method == "POST" else 200)


@bp.post("/line/prompts/<key>/<language>/reset")
@coordinator_required
def reset_prompt(key: str, language: str) -> Response:
    """Go back to the catalogue's wording of a prompt in one language."""
    _known_prompt(key, language)
    removed = wording.reset_override(db.session, key, language)
    if removed is not None:
        audit_event("delete", "prompt", removed.id, key=key, language=language)
        db.session.commit()
        _speak_now(_("기본 문구로 되돌렸습니다."))
    return redirect(url_for("backoffice.prompt_list", _anchor=f"prompt-{key}"))
