"""Pure checks and normalisation of personal details. Each function returns the clean value or raises
`Invalid` with a message for people (translated when shown).

Resident registration numbers (주민등록번호, RRN): YYMMDD-GABCDEC. G gives the century and sex
(9/0: 1800s, 1/2: 1900s, 3/4: 2000s; 5–8 the same for foreign residents' registration numbers). Until
October 2020 the last digit was a check digit over the first twelve:
    weights 2 3 4 5 6 7 8 9 2 3 4 5;  check = (11 − Σ mod 11) mod 10
(foreign residents' numbers: (13 − Σ mod 11) mod 10). Since 5 October 2020 new numbers are issued with
the six digits after G random, so they carry no valid check digit. Rule used here: the check digit is
required when the birth date is before 2020-10-05 (such a number was issued under the old scheme) and
not required from that date on (such a person can only hold a new-scheme number). The one case this
misses is a number re-issued after October 2020 to someone born earlier (주민등록번호 변경, granted
after a leak): HR enters it with `allow_new_scheme=True` (the HR form's "issued after October 2020" box).
"""
from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

NEW_RRN_SCHEME = date(2020, 10, 5)
RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
RRN_CENTURY = {"9": 1800, "0": 1800, "1": 1900, "2": 1900, "3": 2000, "4": 2000,
               "5": 1900, "6": 1900, "7": 2000, "8": 2000}

# Korean numbers, without the leading 0 kept in the prefix: mobile, Seoul, the regions, VoIP, personal.
MOBILE_PREFIXES = ("010", "011", "016", "017", "018", "019")
AREA_PREFIXES = ("031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055",
                 "061", "062", "063", "064", "070")
REPRESENTATIVE = re.compile(r"^(15|16|18)\d{6}$")  # 1588-1234 and friends
SEPARATORS = re.compile(r"[\s\-.()]")
LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .,'\-]*$")


class Invalid(ValueError):
    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(code))
        self.message = message
        self.code = code


def required(text: str | None, message=None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(message or _l("This is required."), "required")
    return text


def optional_text(text: str | None, max_length: int) -> str | None:
    text = (text or "").strip()
    if len(text) > max_length:
        raise Invalid(_l("Use at most %(n)d characters.", n=max_length), "too_long")
    return text or None


def name(text: str | None, max_length: int = 120) -> str:
    text = required(text)
    if len(text) > max_length:
        raise Invalid(_l("Use at most %(n)d characters.", n=max_length), "too_long")
    return text


def latin_name(text: str | None) -> str | None:
    text = optional_text(text, 120)
    if text and not LATIN_NAME.match(text):
        raise Invalid(_l("Use Latin letters, spaces, hyphens and apostrophes only."), "not_latin")
    return text


def email(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(_l("Enter an e-mail address such as name@example.com."), "invalid_email") from None


def _format_korean(digits: str) -> str | None:
    """A Korean number (starting with 0) formatted with hyphens, or None when it is no Korean number."""
    if digits.startswith("02") and len(digits) in (9, 10):
        return f"02-{digits[2:-4]}-{digits[-4:]}"
    if digits[:3] in MOBILE_PREFIXES:
        if digits[:3] == "010" and len(digits) != 11:
            return None
        if len(digits) in (10, 11):
            return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
        return None
    if digits[:3] in AREA_PREFIXES and len(digits) in (10, 11):
        return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"
    if digits.startswith("050") and len(digits) in (11, 12):
        return f"{digits[:4]}-{digits[4:-4]}-{digits[-4:]}"
    if REPRESENTATIVE.match(digits):
        return f"{digits[:4]}-{digits[4:]}"
    return None


def phone(text: str | None, *, mobile: bool = False, optional: bool = True) -> str | None:
    """A Korean number (010-1234-5678, 02-123-4567, +82 10 …) or any other in E.164 (+14155550123).

    Korean numbers come back with hyphens; other countries' as E.164 (+ and digits).
    """
    text = (text or "").strip()
    if not text:
        if optional:
            return None
        raise Invalid(_l("This is required."), "required")
    compact = SEPARATORS.sub("", text)
    if compact.startswith("00"):  # 00 international prefix
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.isdigit() or not 8 <= len(digits) <= 15 or digits[0] == "0":
            raise Invalid(_l("Enter a phone number such as 010-1234-5678 or +14155550123."), "invalid_phone")
        if digits.startswith("82"):
            compact = "0" + digits[2:]
        else:
            return "+" + digits
    if not compact.isdigit():
        raise Invalid(_l("Enter a phone number such as 010-1234-5678 or +14155550123."), "invalid_phone")
    formatted = _format_korean(compact)
    if formatted is None:
        raise Invalid(_l("Enter a phone number such as 010-1234-5678 or +14155550123."), "invalid_phone")
    if mobile and compact[:3] not in MOBILE_PREFIXES:
        raise Invalid(_l("Enter a mobile number (010-…) or a number abroad in E.164 (+…)."), "not_mobile")
    return formatted


def rrn_check_digit(digits: str) -> int:
    total = sum(int(d) * w for d, w in zip(digits[:12], RRN_WEIGHTS))
    if digits[6] in "5678":
        return (13 - total % 11) % 10
    return (11 - total % 11) % 10


def rrn_birth_date(digits: str) -> date | None:
    century = RRN_CENTURY.get(digits[6])
    if century is None:
        return None
    try:
        return date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


def resident_registration_number(text: str | None, *, today: date | None = None,
                                 allow_new_scheme: bool = False) -> str:
    """Returns 'YYMMDD-GNNNNNN'. See the module notes for the check digit rule."""
    text = required(text)
    digits = SEPARATORS.sub("", text)
    if not (digits.isdigit() and len(digits) == 13):
        raise Invalid(_l("Enter 13 digits as YYMMDD-NNNNNNN."), "invalid_rrn_format")
    birth = rrn_birth_date(digits)
    if birth is None or (today is not None and birth > today):
        raise Invalid(_l("The first seven digits are not a valid birth date."), "invalid_rrn_date")
    if birth < NEW_RRN_SCHEME and not allow_new_scheme and rrn_check_digit(digits) != int(digits[12]):
        raise Invalid(_l("This number is not valid: the check digit does not match. Please check it."),
                      "invalid_rrn_check")
    return f"{digits[:6]}-{digits[6:]}"


def account_number(text: str | None) -> str:
    """Digits only (hyphens and spaces are dropped); Korean bank accounts have 10 to 16 digits."""
    text = required(text)
    digits = re.sub(r"[\s\-]", "", text)
    if not digits.isdigit():
        raise Invalid(_l("Use digits only (hyphens are allowed)."), "invalid_account")
    if not 10 <= len(digits) <= 16:
        raise Invalid(_l("An account number has 10 to 16 digits."), "invalid_account_length")
    return digits


def a_date(text: str | None, *, optional: bool = False, not_after: date | None = None,
           not_before: date = date(1900, 1, 1)) -> date | None:
    text = (text or "").strip()
    if not text:
        if optional:
            return None
        raise Invalid(_l("This is required."), "required")
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise Invalid(_l("Enter a date as YYYY-MM-DD."), "invalid_date") from None
    if value < not_before:
        raise Invalid(_l("This date is too far in the past."), "date_too_early")
    if not_after is not None and value > not_after:
        raise Invalid(_l("This date is in the future."), "date_in_future")
    return value


def postal_code(text: str | None) -> str:
    text = required(text)
    if not re.fullmatch(r"\d{5}", text):
        raise Invalid(_l("A Korean postal code has 5 digits."), "invalid_postal_code")
    return text


def country_code(text: str | None) -> str:
    text = (text or "KR").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        raise Invalid(_l("Choose a country."), "invalid_country")
    return text
