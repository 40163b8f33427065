"""Demo questions to HR/IT, a shared answer, announcements and some article reading, for `flask ess demo`."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from ess import clock
from ess.db import db
from ess.helpdesk import policy, services
from ess.helpdesk.models import Announcement
from ess.knowledge.models import Article
from ess.notify.models import OutboxMessage
from ess.people.models import Employee

SALES = ["E1051", "E1052", "E1053", "E1054", "E1055", "E1056"]


def _person(number: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A moment `days_ago` working days back, at company time."""
    day = clock.today()
    while days_ago:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days_ago -= 1
    return datetime.combine(day, time(hour, minute), clock.company_timezone())


def build_helpdesk_demo() -> None:
    """Runs once: nothing happens when announcements already exist. The caller commits."""
    if db.session.scalar(select(func.count()).select_from(Announcement)):
        return
    hr, it = _person("E1011"), _person("E1031")
    people = [p for p in (_person(n) for n in SALES) if p]
    articles = {a.slug: a for a in db.session.scalars(select(Article).where(Article.slug.in_(
        ["annual-leave", "vpn", "password-reset", "payroll"])))}
    if hr is None or it is None or len(people) < 6:
        return
    services.create_announcement(hr, "연말정산 서류는 1월 15일까지 제출해 주세요",
                                 "홈택스 간소화 자료와 부양가족 서류를 인사팀에 제출해 주세요.")
    old = services.create_announcement(hr, "사내 건강검진 일정 안내", "10월 한 달 동안 진행했습니다.", pinned=False)
    old.created_at = _at(30, 9)

    def asked(person, topic, subject, details, days_ago, hour, article=None):
        if policy.topic(topic) is None:  # a company's own helpdesk.toml: the first topic of the same team
            team = "it" if topic == "network" else "hr"
            topic = next((t.key for t in policy.topics() if t.team == team), policy.topics()[0].key)
        question = services.ask(person, topic=topic, subject=subject, details=details,
                                answered_by=articles[article].id if article in articles else None)
        question.created_at = _at(days_ago, hour)
        if question.resolved_at:
            question.resolved_at = question.created_at + timedelta(minutes=4)
        for message in question.messages:
            message.created_at = question.created_at
        return question

    def answered(question, staff, body, hours_later):
        message = services.reply(staff, question, body)
        message.created_at = question.first_response_at = question.created_at + timedelta(hours=hours_later)

    asked(people[0], "leave", "연차 반차도 쓸 수 있나요?", "", 6, 10, article="annual-leave")
    asked(people[1], "network", "집에서 VPN 접속", "", 5, 14, article="vpn")
    vpn = asked(people[2], "network", "VPN이 자꾸 끊겨요", "외근 중에 30분마다 끊깁니다.", 4, 11)
    answered(vpn, it, "VPN 클라이언트를 최신 버전으로 업데이트하고 '항상 연결'을 켜 주세요.", 3)
    services.resolve(people[2], vpn)
    vpn.resolved_at = vpn.first_response_at + timedelta(hours=1)
    services.publish_shared(it, vpn, "외근 중 VPN이 자꾸 끊길 때",
                            "VPN 클라이언트를 최신 버전으로 업데이트하고 '항상 연결'을 켜 주세요.")
    pay = asked(people[3], "pay", "급여명세서 재발급", "작년 3월 명세서가 필요합니다.", 2, 15)
    answered(pay, hr, "포털 > 급여 > 명세서에서 지난 5년 치를 내려받을 수 있습니다.", 20)
    asked(people[4], "benefits", "자녀 학자금 지원 대상", "초등학생도 받을 수 있나요?", 1, 16)
    for slug in ("annual-leave", "vpn"):
        if slug in articles:
            for index, person in enumerate(people):
                from ess.insights.services import record_article_view

                record_article_view(articles[slug].id, person).at = _at(3, 10 + index)
    # Demo history, not news: nobody is mailed about it.
    db.session.flush()
    db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.topic.like("helpdesk.%")))
