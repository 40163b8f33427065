"""The demo company: a fictional Korean firm, built through the same import the real data uses."""
from __future__ import annotations

import csv
import importlib
import io

from ess.people.csv_import import HEADER, import_employees

DEMO_ROLE_GROUPS = {"hr": ["HR"], "it_author": ["IT-Authors"], "admin": ["Portal-Admins"]}
DOMAIN = "hanbit.example"

# (department, head, members); a head is (employee_no, name, name_en, title, groups).
DEPARTMENTS = [
    ("경영지원본부/인사팀", ("E1002", "김지영", "Jiyoung Kim", "인사팀장", "HR"), [
        ("E1011", "이수민", "Sumin Lee", "인사 담당", "HR"),
        ("E1012", "박서연", "Seoyeon Park", "급여·복리후생 담당", "HR"),
        ("E1013", "정하은", "Haeun Jung", "채용 담당", ""),
        ("E1014", "최민준", "Minjun Choi", "교육 담당", ""),
        ("E1015", "하윤서", "Yunseo Ha", "노무 담당", ""),
    ]),
    ("경영지원본부/재무팀", ("E1003", "이정훈", "Junghoon Lee", "재무팀장", ""), [
        ("E1021", "강예린", "Yerin Kang", "회계 담당", ""),
        ("E1022", "조현우", "Hyunwoo Cho", "자금 담당", ""),
        ("E1023", "윤서준", "Seojun Yoon", "세무 담당", ""),
        ("E1024", "장수아", "Sua Jang", "구매 담당", ""),
        ("E1025", "노승현", "Seunghyun Noh", "법무 담당", ""),
    ]),
    ("기술본부/IT운영팀", ("E1004", "박성민", "Sungmin Park", "IT운영팀장", "IT-Authors;Portal-Admins"), [
        ("E1031", "임도윤", "Doyoon Lim", "시스템 엔지니어", "IT-Authors"),
        ("E1032", "한지우", "Jiwoo Han", "네트워크 엔지니어", "IT-Authors"),
        ("E1033", "오시우", "Siwoo Oh", "헬프데스크", ""),
        ("E1034", "서유진", "Yujin Seo", "보안 담당", "Portal-Admins"),
        ("E1035", "구본재", "Bonjae Koo", "헬프데스크", ""),
    ]),
    ("기술본부/제품개발팀", ("E1005", "최유나", "Yuna Choi", "개발팀장", ""), [
        ("E1041", "신준호", "Junho Shin", "백엔드 개발자", ""),
        ("E1042", "권나은", "Naeun Kwon", "프론트엔드 개발자", ""),
        ("E1043", "황태윤", "Taeyoon Hwang", "모바일 개발자", ""),
        ("E1044", "안지호", "Jiho Ahn", "QA 엔지니어", ""),
        ("E1045", "송다인", "Dain Song", "데이터 엔지니어", ""),
        ("E1046", "전우진", "Woojin Jeon", "백엔드 개발자", ""),
        ("E1047", "홍채원", "Chaewon Hong", "디자이너", ""),
        ("E1048", "유건우", "Gunwoo Yoo", "개발자", ""),
        ("E1049", "석지안", "Jian Seok", "개발자", ""),
    ]),
    ("영업본부/영업팀", ("E1006", "정대현", "Daehyun Jung", "영업팀장", ""), [
        ("E1051", "고은서", "Eunseo Ko", "영업 대표", ""),
        ("E1052", "문재원", "Jaewon Moon", "영업 대표", ""),
        ("E1053", "양소율", "Soyul Yang", "영업 지원", ""),
        ("E1054", "손민서", "Minseo Son", "고객 성공 매니저", ""),
        ("E1055", "배준영", "Junyoung Bae", "영업 대표", ""),
        ("E1056", "백하린", "Harin Baek", "마케팅 담당", ""),
        ("E1057", "허지민", "Jimin Heo", "영업 대표", ""),
        ("E1058", "남궁현", "Hyun Namgung", "파트너 관리", ""),
        ("E1059", "채윤아", "Yuna Chae", "영업 대표", ""),
        ("E1060", "류시현", "Sihyun Ryu", "마케팅 담당", ""),
    ]),
]
CEO = ("E1001", "한빛나", "Bitna Han", "대표이사", "")
HIRE_DATES = ["2015-03-02", "2017-07-17", "2019-01-02", "2020-09-01", "2021-04-12", "2022-11-07", "2023-06-19",
              "2024-02-26", "2025-08-04", "2026-03-03"]


def demo_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)

    def row(person, department, manager, index):
        number, name, name_en, title, groups = person
        writer.writerow([number, f"{name_en.split()[0].lower()}.{name_en.split()[-1].lower()}@{DOMAIN}", name,
                         name_en, department, title, manager, HIRE_DATES[index % len(HIRE_DATES)], "KR", groups])

    row(CEO, "경영지원본부", "", 0)
    index = 1
    for department, head, members in DEPARTMENTS:
        row(head, department, CEO[0], index)
        index += 1
        for member in members:
            row(member, department, head[0], index)
            index += 1
    return out.getvalue()


ARTICLES_STEP = "ess.knowledge.importer:import_policy_articles"  # the slow one: Kiwi tokenises every article
# Each domain's demo data, in order; every step is idempotent and takes no arguments.
DEMO_STEPS = (
    "ess.profile.demo:seed_demo_details",
    ARTICLES_STEP,
    "ess.leave.demo:build_leave_demo",
    "ess.benefits.demo:build_benefits_demo",
    "ess.helpdesk.demo:build_helpdesk_demo",
)


def build_demo_people(role_groups: dict | None = None):
    """The demo company's people only (what most tests need). The caller commits."""
    summary = import_employees(demo_csv(), role_groups=role_groups or DEMO_ROLE_GROUPS)
    if not summary.ok:
        raise RuntimeError(f"demo data refused: {summary.refused}")
    return summary


def build_demo(role_groups: dict | None = None, *, with_articles: bool = True) -> str:
    """Create or refresh the whole demo: people, then each domain's data. Returns a one-line summary."""
    people = build_demo_people(role_groups)
    lines = [f"{len(people.created)} employees created, {len(people.updated)} updated"]
    for step in DEMO_STEPS:
        if step == ARTICLES_STEP and not with_articles:
            continue
        module, function = step.split(":")
        result = getattr(importlib.import_module(module), function)()
        if hasattr(result, "line"):
            lines.append(f"{module.split('.')[1]}: {result.line()}")
    return "; ".join(lines)
