"""Normalising and checking contact details. Forms, the API and importers all call these.

Each function returns the stored form of a value, or raises `InvalidValue` with a message that
says what to fix.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """A value a person typed that cannot be stored; the message says what to fix."""


UNUSUAL_CHARACTER_MESSAGE = "Remove the unusual character from this field"
# C0 control characters other than tab, newline and carriage return: nobody types them, and
# PostgreSQL refuses NUL in text outright.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def without_control_characters(text: str) -> str:
    """`text` with each control character made a space (in search text they only separate words)."""
    return _CONTROL_CHARACTER.sub(" ", text)


def has_control_character(value: object) -> bool:
    return isinstance(value, str) and _CONTROL_CHARACTER.search(value) is not None


def control_character_fields(data: object, prefix: str = "") -> dict[str, str]:
    """Every text in a submitted structure (a JSON body, query or form values) that holds a
    control character, by field name (`items[0].name` for nested values)."""
    problems: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if has_control_character(key):
                problems[prefix or "body"] = UNUSUAL_CHARACTER_MESSAGE
            problems.update(control_character_fields(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            problems.update(control_character_fields(value, f"{prefix}[{index}]"))
    elif has_control_character(data):
        problems[prefix or "body"] = UNUSUAL_CHARACTER_MESSAGE
    return problems


def normalise_email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidValue("Enter an email address in the correct format, like name@example.com") from error
    return result.normalized.lower()


def normalise_phone(value: str | None) -> str | None:
    """A UK (or international, with +) phone number in E.164 form."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as error:
        raise InvalidValue("Enter a phone number, like 01702 123456, 07911 123456 or +44 7911 123456") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("Enter a real phone number, like 01702 123456, 07911 123456 or +44 7911 123456")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str | None) -> str:
    """How a stored number is shown: national format for UK numbers, international otherwise."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 44:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# The UK postcode format (BS 7666), including GIR 0AA; checked after removing spaces.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str | None) -> str | None:
    compact = re.sub(r"\s+", "", (value or "")).upper()
    if not compact:
        return None
    if not _POSTCODE.match(compact):
        raise InvalidValue("Enter a real UK postcode, like SS1 2AB")
    return f"{compact[:-3]} {compact[-3:]}"


def phone_search_forms(text: str) -> list[str]:
    """What a typed phone fragment may look like in the stored E.164 column."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 4:
        return []
    forms = {digits}
    if digits.startswith("0"):
        forms.add("44" + digits[1:])
    return sorted(forms)


def normalise_web_address(value: str | None) -> str | None:
    """An http(s) address; `example.org/page` gets https:// in front. Anything else (javascript:,
    ftp:, spaces) is refused, because these addresses are shown as links."""
    message = "Enter a web address starting with http:// or https://, like https://example.org"
    if value is not None and not isinstance(value, str):
        raise InvalidValue(message)
    value = (value or "").strip()
    if not value:
        return None
    if re.search(r"\s", value):
        raise InvalidValue(message)
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) and not value.lower().startswith(
        ("javascript:", "data:", "mailto:", "vbscript:")
    ):
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError as error:
        raise InvalidValue(message) from error
    if parts.scheme.lower() not in ("http", "https") or not ("." in host or host == "localhost"):
        raise InvalidValue(message)
    return value
