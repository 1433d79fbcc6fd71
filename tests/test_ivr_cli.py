"""`flask simulate-call` prints what the caller heard and what happened."""

from sqlalchemy import select

from callcenter.models import Call


def test_simulate_call_prints_a_transcript_of_a_connected_call(runner, db, on_shift, clock):
    counselor = on_shift("legal")
    result = runner.invoke(
        args=["simulate-call", "--from", "010-5555-1234", "--press", "1", "--counselor", "answers"]
    )
    assert result.exit_code == 0, result.output
    assert "법률 상담은 1번" in result.output
    assert "1번을 눌러 주세요" in result.output  # the whisper the counselor heard
    assert f"상담위원 {counselor.phone[-4:]} 전화를 받음" in result.output
    assert db.scalar(select(Call)).outcome == "connected"


def test_simulate_call_refuses_a_malformed_calling_number(runner):
    result = runner.invoke(args=["simulate-call", "--from", "12"])
    assert result.exit_code != 0
    assert "--from" in result.output


def test_simulate_call_plays_a_caller_who_hangs_up_while_the_phone_rings(
    runner, db, on_shift, clock
):
    on_shift("legal")
    result = runner.invoke(args=["simulate-call", "--press", "1", "--counselor", "caller-hangs-up"])
    assert result.exit_code == 0, result.output
    assert "전화가 울리는 중에 발신자가 끊음" in result.output
    assert db.scalar(select(Call)).outcome == "abandoned_ringing"
