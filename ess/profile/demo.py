"""Personal details for some demo people (fictional values; RRNs are made up with valid check digits)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ess.db import db
from ess.people.models import Employee
from ess.profile.models import Dependent, EmergencyContact, PersonalDetails
from ess.profile.validation import rrn_check_digit

# employee_no: (mobile, birth YYMMDD, sex digit, bank, account, road address, postal code, contact, dependents)
PEOPLE = {
    "E1041": ("010-2345-6789", "920315", "1", "004", "12340204567891", "서울특별시 강남구 테헤란로 152", "06236",
              ("신미경", "parent", "010-8765-4321"), [("김서윤", "spouse", "1993-07-21"), ("신하린", "child", "2021-05-02")]),
    "E1005": ("010-3456-7890", "850921", "2", "088", "110234567890", "경기도 성남시 분당구 판교역로 166", "13529",
              ("박준영", "spouse", "010-2222-3333"), [("박지후", "child", "2016-11-30")]),
    "E1011": ("010-4567-8901", "900704", "2", "020", "1002345678901", "서울특별시 마포구 월드컵북로 396", "03925",
              ("이정호", "sibling", "010-4444-5555"), []),
    "E1042": ("010-5678-9012", "950102", "2", "090", "3333012345678", "서울특별시 송파구 올림픽로 300", "05551",
              ("권민수", "parent", "02-345-6789"), []),
}


def demo_rrn(birth: str, sex: str, serial: str = "23456") -> str:
    digits = birth + sex + serial
    return f"{birth}-{sex}{serial}{rrn_check_digit(digits + '0')}"


def seed_demo_details() -> int:
    """Create details for the demo people who have none yet; returns how many were created. Idempotent."""
    created = 0
    for number, (mobile, birth, sex, bank, account, road, postal, contact, deps) in PEOPLE.items():
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if employee is None:
            continue
        if db.session.scalar(select(PersonalDetails.id).where(PersonalDetails.employee_id == employee.id)):
            continue
        db.session.add(PersonalDetails(
            employee_id=employee.id, mobile_phone=mobile, personal_email=f"{number.lower()}@mail.example",
            address_country="KR", postal_code=postal, road_address=road, address_detail="101동 1201호",
            bank_code=bank, bank_account_number=account, bank_account_holder=employee.name,
            resident_registration_number=demo_rrn(birth, sex),
        ))
        name, relation, phone = contact
        db.session.add(EmergencyContact(employee_id=employee.id, position=1, name=name, relation=relation,
                                        phone=phone))
        for dep_name, dep_relation, born in deps:
            db.session.add(Dependent(employee_id=employee.id, name=dep_name, relation=dep_relation,
                                     birth_date=date.fromisoformat(born)))
        created += 1
    db.session.flush()
    return created
