"""Pure benefit rules: the policy file, windows (inside, outside, last day, late) and effective dates."""
from datetime import date
from pathlib import Path

import pytest

from ess.benefits import windows
from ess.benefits.policy import Cost, PolicyError, load_policy, parse_policy

MINIMAL = ('[levels.employee]\nname = { ko = "본인", en = "Me" }\n[plans.x]\nname = { ko = "x", en = "x" }\n'
           '[plans.x.options.a]\nname = { ko = "a", en = "a" }\ncosts.employee = { employee = 1, company = 2 }\n')
POLICY = load_policy(Path(__file__).resolve().parent.parent / "policies" / "benefits.toml")


def test_shipped_policy_has_the_plans_levels_and_events():
    assert set(POLICY.plans) == {"group_accident", "dental", "spouse_checkup", "welfare_points", "pension_topup",
                                 "self_development"}
    assert POLICY.plans["group_accident"].name("ko") == "단체상해보험"
    assert POLICY.plans["welfare_points"].name("ko") == "복지포인트"
    assert POLICY.plans["self_development"].category == "custom"
    assert POLICY.plans["dental"].eligible_after_days == 90
    assert set(POLICY.levels) == {"employee", "employee_spouse", "family"}
    assert POLICY.levels["employee_spouse"].covers == ("spouse",)
    assert POLICY.levels["family"].requires == ("child",)
    assert POLICY.plans["group_accident"].options["premium"].costs["family"] == Cost(52000, 64000)
    assert POLICY.life_events["marriage"].document and not POLICY.life_events["birth"].document


@pytest.mark.parametrize("text, message", [
    ('[levels.employee]\nname = { ko = "본인", en = "Me" }\n[plans.x]\nname = { ko = "x", en = "x" }\n'
     '[plans.x.options.a]\nname = { ko = "a", en = "a" }\ncosts.family = { employee = 1 }\n',
     "[plans.x].options.a.costs: 'family' is not a level"),
    ('[levels.employee]\nname = { ko = "본인", en = "Me" }\n[plans.x]\nname = { ko = "x", en = "x" }\n'
     '[plans.x.options.a]\nname = { ko = "a", en = "a" }\ncosts.employee = { employee = -5 }\n',
     "costs.employee.employee: expected won (0 or more), got -5"),
    ('[levels.e]\nname = { ko = "e", en = "e" }\ncovers = ["cousin"]\n', "[levels.e].covers: 'cousin'"),
    ('[open_enrolment]\nstart = "13-01"\n' + MINIMAL, "[open_enrolment].start: expected MM-DD"),
    ('[settings]\neffective = "someday"\n' + MINIMAL, "[settings].effective: expected one of"),
])
def test_a_bad_policy_names_the_key(text, message):
    with pytest.raises(PolicyError) as error:
        parse_policy(text, "benefits.toml")
    assert message in str(error.value)


@pytest.mark.parametrize("decided, expected", [
    (date(2026, 1, 31), date(2026, 2, 1)),
    (date(2026, 2, 28), date(2026, 3, 1)),
    (date(2028, 2, 29), date(2028, 3, 1)),
    (date(2026, 11, 1), date(2026, 12, 1)),
    (date(2026, 12, 31), date(2027, 1, 1)),
    (date(2026, 12, 1), date(2027, 1, 1)),
])
def test_first_of_next_month_across_month_and_year_ends(decided, expected):
    assert windows.effective_date("first_of_next_month", decided) == expected


def test_other_effective_rules():
    assert windows.effective_date("next_day", date(2026, 4, 30)) == date(2026, 5, 1)
    assert windows.effective_date("next_day", date(2026, 12, 31)) == date(2027, 1, 1)
    assert windows.effective_date("next_year", date(2026, 11, 20)) == date(2027, 1, 1)


@pytest.mark.parametrize("day, inside", [
    (date(2026, 10, 31), False),
    (date(2026, 11, 1), True),  # first day
    (date(2026, 11, 15), True),
    (date(2026, 11, 30), True),  # last day
    (date(2026, 12, 1), False),
])
def test_open_enrolment_inside_outside_and_last_day(day, inside):
    window = windows.open_enrolment(POLICY, day)
    assert (window is not None) == inside
    if inside:
        assert (window.opens, window.closes) == (date(2026, 11, 1), date(2026, 11, 30))


def test_next_open_enrolment_is_this_years_or_next_years():
    assert windows.next_open_enrolment(POLICY, date(2026, 3, 1)).opens == date(2026, 11, 1)
    assert windows.next_open_enrolment(POLICY, date(2026, 12, 1)).opens == date(2027, 11, 1)
    assert windows.next_open_enrolment(POLICY, date(2026, 11, 10)).opens == date(2027, 11, 1)


def test_an_open_enrolment_across_new_year():
    policy = parse_policy('[open_enrolment]\nstart = "12-15"\nend = "01-15"\n' + MINIMAL)
    assert windows.open_enrolment(policy, date(2027, 1, 15)).opens == date(2026, 12, 15)
    assert windows.open_enrolment(policy, date(2026, 12, 31)).closes == date(2027, 1, 15)
    assert windows.open_enrolment(policy, date(2027, 1, 16)) is None


def test_new_hire_window_starts_after_the_waiting_period():
    group, dental = POLICY.plans["group_accident"], POLICY.plans["dental"]
    hired = date(2026, 10, 5)
    window = windows.new_hire_window(POLICY, group, hired)
    assert (window.opens, window.closes) == (hired, date(2026, 11, 4))
    assert windows.windows_for(POLICY, group, hired, date(2026, 11, 4))[0].kind == windows.NEW_HIRE  # last day
    assert windows.windows_for(POLICY, group, date(2026, 2, 5), date(2026, 3, 8)) == []  # a day late
    dental_window = windows.new_hire_window(POLICY, dental, hired)
    assert dental_window.opens == date(2027, 1, 3)  # 90 days after hire


def test_life_event_window_and_late_report():
    events = [(7, "birth", date(2027, 3, 1))]
    group = POLICY.plans["group_accident"]
    found = windows.windows_for(POLICY, group, date(2015, 3, 2), date(2027, 3, 31), events)
    assert [(w.kind, w.key, w.closes) for w in found] == [("life_event", "event:7", date(2027, 3, 31))]
    assert windows.windows_for(POLICY, group, date(2015, 3, 2), date(2027, 4, 1), events) == []
    # Inside open enrolment both windows are offered, the life event first.
    late_year = [(8, "loss_of_coverage", date(2026, 10, 1))]
    assert [w.kind for w in windows.windows_for(POLICY, group, date(2015, 3, 2), date(2026, 11, 20), late_year)] \
        == ["life_event", "open"]
