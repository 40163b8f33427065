"""Pure checks of personal details: phones, e-mail, resident registration numbers, accounts, dates; the policy file."""
from datetime import date

import pytest

from ess.profile import validation as v
from ess.profile.policy import DEFAULTS, ProfilePolicyError, load_policy, parse_policy


@pytest.mark.parametrize("typed, clean", [
    ("010-1234-5678", "010-1234-5678"),
    ("01012345678", "010-1234-5678"),
    ("010 1234 5678", "010-1234-5678"),
    ("+82 10-1234-5678", "010-1234-5678"),
    ("+821012345678", "010-1234-5678"),
    ("0082 10 1234 5678", "010-1234-5678"),
    ("011-123-4567", "011-123-4567"),
    ("(02) 123-4567", "02-123-4567"),
    ("02-1234-5678", "02-1234-5678"),
    ("031-123-4567", "031-123-4567"),
    ("064-7890-1234", "064-7890-1234"),
    ("070-1234-5678", "070-1234-5678"),
    ("1588-1234", "1588-1234"),
    ("+1 415 555 0123", "+14155550123"),
    ("+44 20 7946 0958", "+442079460958"),
])
def test_valid_phones(typed, clean):
    assert v.phone(typed) == clean


@pytest.mark.parametrize("typed", [
    "010-123-4567",      # 010 numbers have 8 digits after the prefix
    "010-1234-56789",
    "12345",
    "02-12-345",
    "099-123-4567",       # no such area code
    "+0 123 456 789",
    "+123",
    "+1234567890123456",  # E.164 has at most 15 digits
    "010-1234-567a",
    "phone",
])
def test_invalid_phones(typed):
    with pytest.raises(v.Invalid) as refused:
        v.phone(typed)
    assert refused.value.code == "invalid_phone"


def test_mobile_refuses_landlines_but_takes_numbers_abroad():
    with pytest.raises(v.Invalid) as refused:
        v.phone("02-123-4567", mobile=True)
    assert refused.value.code == "not_mobile"
    assert v.phone("+1 415 555 0123", mobile=True) == "+14155550123"
    assert v.phone("", mobile=True) is None
    with pytest.raises(v.Invalid):
        v.phone("", optional=False)


def test_email():
    assert v.email(" Junho@Mail.Example ") == "Junho@mail.example"
    assert v.email("") is None
    for bad in ("junho", "junho@", "@mail.example", "a b@mail.example"):
        with pytest.raises(v.Invalid):
            v.email(bad)


def with_check_digit(first12: str) -> str:
    return first12 + str(v.rrn_check_digit(first12 + "0"))


def test_rrn_check_digit_known_example():
    # 880101-1234568: Σ(8·2, 8·3, 0·4, 1·5, 0·6, 1·7, 1·8, 2·9, 3·2, 4·3, 5·4, 6·5) = 146; (11 − 146 mod 11) mod 10 = 8
    assert v.rrn_check_digit("880101123456" + "0") == 8
    assert v.resident_registration_number("880101-1234568") == "880101-1234568"
    assert v.resident_registration_number("8801011234568") == "880101-1234568"


@pytest.mark.parametrize("digits", ["880101-1234567", "880101-1234569", "920315-2234560"])
def test_rrn_with_a_wrong_check_digit_is_refused(digits):
    if v.rrn_check_digit(digits.replace("-", "")) == int(digits[-1]):
        pytest.fail("example must carry a wrong check digit")
    with pytest.raises(v.Invalid) as refused:
        v.resident_registration_number(digits)
    assert refused.value.code == "invalid_rrn_check"


def test_rrn_format_and_birth_date():
    for bad, code in [("88010-1234568", "invalid_rrn_format"), ("880101-123456", "invalid_rrn_format"),
                      ("88010a-1234568", "invalid_rrn_format"), ("881301-1234568", "invalid_rrn_date"),
                      ("880230-1234568", "invalid_rrn_date")]:
        with pytest.raises(v.Invalid) as refused:
            v.resident_registration_number(bad)
        assert refused.value.code == code, bad
    # Century digit 3/4 means born in the 2000s: a 2030 birth date is in the future.
    with pytest.raises(v.Invalid):
        v.resident_registration_number(with_check_digit("300101312345"), today=date(2026, 11, 22))


def test_rrn_issued_since_october_2020_needs_no_check_digit():
    born_2021 = "210502-4" + "123456"       # born after 2020-10-05: a new-scheme number, last digit random
    wrong = born_2021[:-1] + str((v.rrn_check_digit(born_2021.replace("-", "")) + 1) % 10)
    assert v.resident_registration_number(wrong, today=date(2026, 11, 22)) == wrong
    # Born before the change: the check digit still applies, unless HR says it was re-issued.
    old = "900101-1234561"  # the check digit would be 8
    with pytest.raises(v.Invalid):
        v.resident_registration_number(old)
    assert v.resident_registration_number(old, allow_new_scheme=True) == old


def test_foreign_resident_numbers_use_their_own_check_digit():
    digits = "900101512345"
    total = sum(int(d) * w for d, w in zip(digits, v.RRN_WEIGHTS))
    number = f"{digits[:6]}-{digits[6:]}{(13 - total % 11) % 10}"
    assert v.resident_registration_number(number) == number


def test_account_numbers():
    assert v.account_number("123-456789-01-234") == "12345678901234"
    assert v.account_number("1002 345 678901") == "1002345678901"
    for bad, code in [("12345", "invalid_account_length"), ("12345678901234567", "invalid_account_length"),
                      ("1234-abcd-5678", "invalid_account"), ("", "required")]:
        with pytest.raises(v.Invalid) as refused:
            v.account_number(bad)
        assert refused.value.code == code


def test_dates():
    assert v.a_date("2021-05-02") == date(2021, 5, 2)
    assert v.a_date("", optional=True) is None
    for bad in ("2021-02-30", "02.05.2021", "yesterday"):
        with pytest.raises(v.Invalid):
            v.a_date(bad)
    with pytest.raises(v.Invalid) as refused:
        v.a_date("2030-01-01", not_after=date(2026, 11, 22))
    assert refused.value.code == "date_in_future"
    with pytest.raises(v.Invalid):
        v.a_date("1850-01-01")


def test_names_and_postal_codes():
    assert v.latin_name("Junho Shin") == "Junho Shin"
    with pytest.raises(v.Invalid):
        v.latin_name("신준호")
    assert v.postal_code("06236") == "06236"
    with pytest.raises(v.Invalid):
        v.postal_code("135-080")  # the old six-digit codes are gone since 2015


def test_policy_defaults_and_overrides(tmp_path):
    assert load_policy(tmp_path).modes == DEFAULTS  # no file: the defaults
    (tmp_path / "profile.toml").write_text('[fields]\nmobile_phone = "approval"\ntitle = "self"\n')
    policy = load_policy(tmp_path)
    assert policy.needs_approval("mobile_phone") and policy.is_self("title") and policy.is_readonly("hire_date")


@pytest.mark.parametrize("text, words", [
    ('[fields]\nphone = "self"\n', "unknown field 'phone'"),
    ('[fields]\nmobile_phone = "maybe"\n', "'maybe'; use one of self, approval, readonly"),
    ("[fields\n", "not valid TOML"),
    ('[other]\nx = 1\n', "unknown section"),
])
def test_bad_policy_file_is_named_clearly(text, words):
    with pytest.raises(ProfilePolicyError) as refused:
        parse_policy(text, "policies/profile.toml")
    assert words in str(refused.value) and "policies/profile.toml" in str(refused.value)


def test_app_refuses_to_start_with_a_bad_policy_file(make_app, tmp_path):
    (tmp_path / "profile.toml").write_text('[fields]\nbank_account = "sometimes"\n')
    with pytest.raises(ProfilePolicyError) as refused:
        make_app(POLICIES_DIR=str(tmp_path))
    assert "bank_account" in str(refused.value)


def test_shipped_policy_file_matches_the_defaults():
    from pathlib import Path

    assert load_policy(Path(__file__).resolve().parent.parent / "policies").modes == DEFAULTS
