"""The call-flow diagram in docs/ivr.md is the flow's own table, drawn: it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from ivr import call_flow
from ivr.endings import ENDINGS

ROOT = Path(__file__).resolve().parent.parent


def test_docs_hold_exactly_the_diagram_the_flow_table_draws():
    text = (ROOT / "docs" / "ivr.md").read_text(encoding="utf-8")
    assert call_flow.block() in text, "run: python -m ivr.call_flow docs/ivr.md"


def test_every_ending_of_the_line_is_reached_in_the_diagram():
    assert call_flow.endings_reached() == set(ENDINGS)
    diagram = call_flow.mermaid()
    assert all(f"end_{ending}" in diagram for ending in ENDINGS)


def test_every_ending_the_code_names_is_in_the_endings_table():
    named = set()
    for source in (ROOT / "ivr").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        named |= set(re.findall(r'(?<!_)(?:goodbye|hang_up)\([^()]*?"(\w+)"', text))
    assert named <= set(ENDINGS)


def test_every_branch_names_a_function_that_exists():
    assert call_flow.missing_functions() == []


def test_every_branch_joins_known_steps():
    steps = set(call_flow.STEPS)
    for source, target, _, _ in call_flow.BRANCHES:
        assert source in steps
        assert target in steps or target.removeprefix("end:") in ENDINGS


def test_every_step_but_the_terminals_leads_on():
    sources = {source for source, *_ in call_flow.BRANCHES}
    assert set(call_flow.STEPS) - sources == call_flow.TERMINALS


def test_every_step_is_reached_from_a_start():
    reached, frontier = set(call_flow.START), list(call_flow.START)
    while frontier:
        step = frontier.pop()
        for source, target, _, _ in call_flow.BRANCHES:
            if source == step and target in call_flow.STEPS and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(call_flow.STEPS)


def test_the_closure_branches_are_drawn():
    targets = {(source, target) for source, target, _, _ in call_flow.BRANCHES}
    assert {("closed", "closed_now"), ("closed", "holiday"), ("queue", "closed")} <= targets


def test_rewriting_replaces_only_the_diagram():
    stale = f"앞\n{call_flow.BEGIN}\n```mermaid\nflowchart TD\n```\n{call_flow.END}\n뒤\n"
    assert call_flow.rewrite(stale) == f"앞\n{call_flow.block()}\n뒤\n"
