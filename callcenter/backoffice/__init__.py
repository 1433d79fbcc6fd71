"""The back office: counselors' and coordinators' pages."""

from flask import Blueprint

from callcenter.models import COORDINATOR_ROLES
from callcenter.nav import add_nav_item

bp = Blueprint("backoffice", __name__)


@bp.record_once
def _menu(state):
    app, coordinators = state.app, COORDINATOR_ROLES
    add_nav_item(app, "backoffice.index", "오늘", order=0)
    add_nav_item(app, "backoffice.consultations", "상담 기록", order=10)
    add_nav_item(app, "backoffice.callbacks", "콜백", order=20)
    add_nav_item(app, "backoffice.voicemails", "음성 메시지", order=30)
    add_nav_item(app, "backoffice.live_calls", "지금 통화", order=35)
    add_nav_item(app, "backoffice.calls", "통화 기록", roles=coordinators, order=40)
    add_nav_item(app, "backoffice.categories_index", "상담 주제", roles=coordinators, order=50)
    add_nav_item(app, "backoffice.line_closures_page", "임시 휴무", roles=coordinators, order=51)
    add_nav_item(app, "backoffice.blocklist", "차단 목록", roles=coordinators, order=52)
    add_nav_item(app, "backoffice.prompt_list", "안내 문구", roles=coordinators, order=54)
    add_nav_item(app, "backoffice.outbox", "보낸 문자·전화", roles=coordinators, order=60)
    add_nav_item(app, "backoffice.phone", "브라우저 전화", order=70)
    add_nav_item(app, "backoffice.availability", "내 전화 연결", roles=("counselor",), order=72)
    add_nav_item(app, "backoffice.users", "계정", roles=("admin",), order=80)
    add_nav_item(app, "backoffice.audit_log", "감사 기록", roles=("admin",), order=90)
    add_nav_item(app, "backoffice.access_review_page", "접근 기록 점검", roles=("admin",), order=91)
    add_nav_item(app, "backoffice.change_own_password", "비밀번호 바꾸기", order=95)


from callcenter.backoffice import (  # noqa: E402,F401
    access_review,
    account,
    appointments,
    audit_log,
    availability,
    blocklist,
    callbacks,
    calls,
    categories,
    consultations,
    home,
    line_closures,
    live_calls,
    outbox,
    phone,
    prompt_wording,
    users,
    voicemails,
)
