"""Benchmark the consultation list and its free-text search on PostgreSQL.

Fills 150,000 and then 1,500,000 consultations spread over ten years, and prints the median
time of the list page (the whole request: query, decryption of the shown numbers, template)
with common filters, and of free-text searches through the keyed word index.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cc_bench \
        python bench/consultations_list.py

The database's public schema is dropped and rebuilt from the migrations: give it a database
of its own. Personal columns are encrypted for real; to keep the fill fast, rows take their
encrypted phone, name and summary from a pool of a few hundred values encrypted once in
Python, and the search index is filled in SQL from the pool's word digests.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench import schema
from callcenter import create_app, search_index
from callcenter.accounts import create_user
from callcenter.config import normalise_database_url
from callcenter.crypto import keyring
from callcenter.extensions import db

SIZES = (150_000, 1_500_000)
POOL = 400
COUNSELORS = 240
RUNS = 15
YEARS = 10
PASSWORD = "benchmark password"
END = datetime(2027, 3, 1, tzinfo=UTC)

VOCABULARY = (
    "임금 체불 퇴직금 해고 예고 수당 연차 휴가 산재 보상 근로계약서 최저임금 야근 주휴수당 "
    "전세 월세 보증금 임대차 계약 갱신 명도 소송 지급명령 내용증명 상속 유류분 이혼 양육비 "
    "채무 파산 회생 손해배상 교통사고 층간소음 누수 하자 보수 건축 허가 용도 변경 불법 증축 "
    "일조권 경계 측량 재건축 분양 세금 종합소득세 부가가치세 양도소득세 증여세 상속세 재산세 "
    "체납 가산세 경정 청구 연말정산 사업자 등록 폐업 신고 환급 고지서 이의 신청 행정심판"
)
WORDS = tuple(VOCABULARY.split())
PARTICLES = ("", "", "", "을", "를", "이", "가", "은", "는", "에", "의", "으로", "에서")


def summary_pool(rng: random.Random) -> list[str]:
    """Make summaries of 8-16 words, common words more frequent (Zipf-like)."""
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    pool = []
    for _ in range(POOL):
        words = rng.choices(WORDS, weights, k=rng.randint(8, 16))
        pool.append(" ".join(w + rng.choice(PARTICLES) for w in words) + ". 상담 후 안내함.")
    return pool


def prepare(app) -> None:  # type: ignore[no-untyped-def]
    """Rebuild the schema with the migrations and add counselors, topics and a user."""
    with app.app_context():
        schema.rebuild()
        db.session.execute(
            text(
                "INSERT INTO counselors (name, phone, active, auto_answer, created_at) "
                "SELECT '상담위원' || i, '+8210' || (20000000 + i), true, false, now() "
                "FROM generate_series(1, :n) AS i"
            ),
            {"n": COUNSELORS},
        )
        db.session.execute(
            text(
                "INSERT INTO topic_categories (field_id, name_ko, name_en, position, active) "
                "SELECT f.id, '주제 ' || f.code || i, 'topic ' || i, i, true "
                "FROM fields f, generate_series(1, 8) AS i"
            )
        )
        create_user(db.session, "bench@example.org", "coordinator", PASSWORD)
        db.session.commit()


def fill(app, total: int, already: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Add consultations until there are `total`, in SQL, from pools of encrypted values."""
    summaries = summary_pool(random.Random(7))
    phones = [f"+82101{rng.randint(1000000, 9999999)}" for _ in range(POOL)]
    names = [
        rng.choice("김이박최정강조윤장임") + rng.choice(["민준", "서연", "도윤", "하은"])
        for _ in range(POOL)
    ]
    with app.app_context():
        enc_summaries = [keyring.encrypt(s) for s in summaries]
        enc_phones = [keyring.encrypt(p) for p in phones]
        enc_names = [keyring.encrypt(n) for n in names]
        digests = [keyring.digest(p) for p in phones]
        span = int(timedelta(days=365 * YEARS).total_seconds())
        started = time.perf_counter()
        db.session.execute(
            text(
                """
                INSERT INTO consultations (
                    id, status, channel, field_id, counselor_id, started_at, duration_minutes,
                    citizen_name, citizen_phone, citizen_phone_last4, citizen_phone_digest,
                    category_id, summary, outcome, referred_to, follow_up_on,
                    created_at, updated_at, completed_at, version)
                SELECT
                    g,
                    CASE WHEN g % 97 = 0 THEN 'draft' ELSE 'completed' END,
                    (ARRAY['phone','phone','phone','visit','callback'])[1 + g % 5],
                    f.id,
                    1 + (g * 7) % :counselors,
                    CAST(:end AS timestamp) - make_interval(secs => (g::bigint * 7919) % :span),
                    3 + g % 40,
                    (CAST(:names AS text[]))[1 + g % :pool],
                    (CAST(:phones AS text[]))[1 + g % :pool],
                    right((CAST(:plain_phones AS text[]))[1 + g % :pool], 4),
                    (CAST(:digests AS text[]))[1 + g % :pool],
                    t.id,
                    (CAST(:summaries AS text[]))[1 + g % :pool],
                    (ARRAY['advice','advice','advice','referred','follow_up','none'])[1 + g % 6],
                    CASE WHEN g % 6 = 3 THEN 'legal_aid' END,
                    NULL, now(), now(), now(), 1
                FROM generate_series(:first, :last) AS g
                JOIN fields f ON f.digit = (1 + g % 4)::text
                JOIN topic_categories t ON t.field_id = f.id AND t.position = 1 + g % 8
                """
            ),
            {
                "counselors": COUNSELORS,
                "end": END,
                "span": span,
                "names": enc_names,
                "phones": enc_phones,
                "plain_phones": phones,
                "digests": digests,
                "summaries": enc_summaries,
                "pool": POOL,
                "first": already + 1,
                "last": total,
            },
        )
        # The search index: row g holds summary pool[g % POOL].
        db.session.execute(text("CREATE TEMP TABLE pool_terms (slot int, term bigint)"))
        db.session.execute(
            text("INSERT INTO pool_terms VALUES (:slot, :term)"),
            [
                {"slot": slot, "term": term}
                for slot, summary in enumerate(summaries)
                for term in search_index.digests(summary)
            ],
        )
        # Building the indexes once after the insert is far faster than updating them per row.
        db.session.execute(
            text("ALTER TABLE consultation_terms DROP CONSTRAINT pk_consultation_terms")
        )
        db.session.execute(text("DROP INDEX ix_consultation_terms_consultation_id"))
        fk = "fk_consultation_terms_consultation_id_consultations"
        db.session.execute(text(f"ALTER TABLE consultation_terms DROP CONSTRAINT {fk}"))
        db.session.execute(
            text(
                "INSERT INTO consultation_terms (term, consultation_id) "
                "SELECT p.term, g FROM generate_series(:first, :last) AS g "
                "JOIN pool_terms p ON p.slot = g % :pool"
            ),
            {"first": already + 1, "last": total, "pool": POOL},
        )
        db.session.execute(text("SET maintenance_work_mem = '256MB'"))
        db.session.execute(
            text(
                "ALTER TABLE consultation_terms ADD CONSTRAINT pk_consultation_terms "
                "PRIMARY KEY (term, consultation_id)"
            )
        )
        db.session.execute(
            text(
                "CREATE INDEX ix_consultation_terms_consultation_id "
                "ON consultation_terms (consultation_id)"
            )
        )
        db.session.execute(
            text(
                f"ALTER TABLE consultation_terms ADD CONSTRAINT {fk} FOREIGN KEY "
                "(consultation_id) REFERENCES consultations (id) ON DELETE CASCADE"
            )
        )
        db.session.execute(
            text("SELECT setval('consultations_id_seq', (SELECT max(id) FROM consultations))")
        )
        db.session.execute(text("DROP TABLE pool_terms"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE consultations"))
            conn.execute(text("VACUUM ANALYZE consultation_terms"))
        print(f"  filled to {total:,} in {time.perf_counter() - started:.0f} s", flush=True)


def measure(client, url: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return the median and best milliseconds of a page over several runs (after a warm-up).

    The best run shows the cost on a quiet machine; the median what a busy one gives.
    """
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), min(times)


def report(app, total: int) -> None:  # type: ignore[no-untyped-def]
    """Print the list page's timings for the common filters and searches."""
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench@example.org", "password": PASSWORD})
    with app.app_context():
        labor = db.session.scalar(text("SELECT id FROM fields WHERE code = 'labor'"))
    cases = {
        "newest first, no filter": "/consultations",
        "page 20": "/consultations?page=20",
        "last month, one field": f"/consultations?date_from=2027-02-01&date_to=2027-02-28"
        f"&field={labor}",
        "one year, field+outcome+channel": "/consultations?date_from=2026-01-01"
        f"&date_to=2026-12-31&field={labor}&outcome=referred&channel=visit",
        "one counselor": "/consultations?counselor=17",
        "drafts only": "/consultations?status=draft",
        "sorted by counselor": "/consultations?sort=counselor",
        "search: common word (퇴직금)": "/consultations?q=퇴직금",
        "search: two words (임금 체불)": "/consultations?q=임금+체불",
        "search: rare word (행정심판)": "/consultations?q=행정심판",
        "search + field + one year": f"/consultations?q=보증금&field={labor}"
        "&date_from=2026-01-01&date_to=2026-12-31",
        "search: no match (없는낱말)": "/consultations?q=없는낱말",
    }
    print(f"\n{total:,} consultations (whole page, {RUNS} requests: median / best)")
    for label, url in cases.items():
        median, best = measure(client, url)
        print(f"  {label:<36} {median:7.1f} ms / {best:6.1f} ms", flush=True)


def main() -> None:
    """Fill, measure at 150k, fill to 1.5M, measure again."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL to a PostgreSQL database the benchmark may wipe.")
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=normalise_database_url(url),
        WTF_CSRF_ENABLED=False,
    )
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "").split(",") if s] or SIZES
    rng = random.Random(1)
    prepare(app)
    already = 0
    for total in sizes:
        fill(app, total, already, rng)
        already = total
        report(app, total)


if __name__ == "__main__":
    main()
