"""Personal details of an employee: contact details, address, bank account, resident registration number,
emergency contacts and dependents. Sensitive values live in EncryptedText columns."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.crypto import EncryptedText
from ess.db import UTCDateTime, db
from ess.people.models import Employee

MAX_EMERGENCY_CONTACTS = 10
MAX_DEPENDENTS = 20

RELATIONS = {
    "spouse": _l("Spouse"),
    "child": _l("Child"),
    "parent": _l("Parent"),
    "sibling": _l("Sibling"),
    "grandparent": _l("Grandparent"),
    "grandchild": _l("Grandchild"),
    "partner": _l("Partner"),
    "friend": _l("Friend"),
    "other": _l("Other"),
}
DEPENDENT_RELATIONS = ("spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other")

# Korean banks by their clearing code: (Korean name, English name).
BANKS = {
    "004": ("KB국민은행", "KB Kookmin Bank"),
    "088": ("신한은행", "Shinhan Bank"),
    "020": ("우리은행", "Woori Bank"),
    "081": ("하나은행", "Hana Bank"),
    "011": ("NH농협은행", "NH NongHyup Bank"),
    "003": ("IBK기업은행", "IBK Industrial Bank"),
    "023": ("SC제일은행", "SC First Bank"),
    "027": ("한국씨티은행", "Citibank Korea"),
    "090": ("카카오뱅크", "KakaoBank"),
    "092": ("토스뱅크", "Toss Bank"),
    "089": ("케이뱅크", "K Bank"),
    "071": ("우체국", "Korea Post"),
    "045": ("새마을금고", "MG Community Credit"),
    "048": ("신협", "Credit Union (Shinhyup)"),
    "007": ("Sh수협은행", "Suhyup Bank"),
    "032": ("BNK부산은행", "BNK Busan Bank"),
    "031": ("iM뱅크", "iM Bank"),
    "034": ("광주은행", "Kwangju Bank"),
    "039": ("BNK경남은행", "BNK Kyongnam Bank"),
    "037": ("전북은행", "Jeonbuk Bank"),
    "035": ("제주은행", "Jeju Bank"),
    "002": ("KDB산업은행", "KDB Korea Development Bank"),
}


def bank_name(code: str | None, locale: str = "ko") -> str:
    if not code:
        return ""
    names = BANKS.get(code)
    if names is None:
        return code
    return names[0] if locale == "ko" else names[1]


class PersonalDetails(db.Model):
    """One row per employee. Legal name and English name stay on Employee (the directory shows them)."""

    __tablename__ = "personal_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), unique=True)
    preferred_name: Mapped[str | None] = mapped_column(String(60))
    personal_email: Mapped[str | None] = mapped_column(String(254))
    mobile_phone: Mapped[str | None] = mapped_column(String(32))
    address_country: Mapped[str] = mapped_column(String(2), default="KR")
    postal_code: Mapped[str | None] = mapped_column(String(10))
    road_address: Mapped[str | None] = mapped_column(String(200))
    address_detail: Mapped[str | None] = mapped_column(String(200))
    address_free: Mapped[str | None] = mapped_column(String(500))
    bank_code: Mapped[str | None] = mapped_column(String(8))
    bank_account_number: Mapped[str | None] = mapped_column(EncryptedText())
    bank_account_holder: Mapped[str | None] = mapped_column(String(120))
    resident_registration_number: Mapped[str | None] = mapped_column(EncryptedText())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    employee: Mapped[Employee] = relationship()

    @property
    def address(self) -> dict | None:
        value = {
            "country": self.address_country or "KR",
            "postal_code": self.postal_code,
            "road": self.road_address,
            "detail": self.address_detail,
            "free": self.address_free,
        }
        return value if any(v for k, v in value.items() if k != "country") else None

    @address.setter
    def address(self, value: dict | None) -> None:
        value = value or {}
        self.address_country = value.get("country") or "KR"
        self.postal_code = value.get("postal_code")
        self.road_address = value.get("road")
        self.address_detail = value.get("detail")
        self.address_free = value.get("free")

    @property
    def bank_account(self) -> dict | None:
        if not self.bank_account_number:
            return None
        return {"bank": self.bank_code, "number": self.bank_account_number, "holder": self.bank_account_holder}

    @bank_account.setter
    def bank_account(self, value: dict | None) -> None:
        value = value or {}
        self.bank_code = value.get("bank")
        self.bank_account_number = value.get("number")
        self.bank_account_holder = value.get("holder")


class EmergencyContact(db.Model):
    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_emergency_contacts_employee_position", "employee_id", "position"),)

    def as_dict(self) -> dict:
        return {"name": self.name, "relation": self.relation, "phone": self.phone}


class Dependent(db.Model):
    __tablename__ = "dependents"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(32))
    birth_date: Mapped[date]

    __table_args__ = (Index("ix_dependents_employee_id", "employee_id"),)

    def as_dict(self) -> dict:
        return {"name": self.name, "relation": self.relation, "birth_date": self.birth_date.isoformat()}


class SealedValue(db.Model):
    """A sensitive value that a change request refers to (before and after), encrypted like the record.

    Approval payloads hold only `{"sealed": id}`, so no clear value reaches the approval tables, and key
    rotation covers pending requests too.
    """

    __tablename__ = "profile_sealed_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(EncryptedText())  # JSON text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (Index("ix_profile_sealed_values_employee_id", "employee_id"),)
