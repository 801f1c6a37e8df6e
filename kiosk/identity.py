"""Resident ID numbers (GB 11643-1999) and the masking every screen, ticket and log uses.

Pure functions with no Qt and no I/O, shared by the server's seed, the readers' parsing rules
and the identify flow (which checks the checksum before any backend call).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_MOBILE_PHONE = re.compile(r"^1[3-9]\d{9}$")
_NAME_SEPARATORS = "·•・."


def resident_id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def is_valid_resident_id(value: str) -> bool:
    """Format, checksum and a plausible birth date (the 8 digits after the region code)."""
    value = value.upper()
    if not _RESIDENT_ID.match(value):
        return False
    if resident_id_check_character(value[:17]) != value[17]:
        return False
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return dt.date(1890, 1, 1) <= birth <= dt.date.today()


def is_mobile_phone(value: str) -> bool:
    return bool(_MOBILE_PHONE.match(value))


def mask_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 买买提·艾力 → 买**·*力: first and last characters stay.

    Works on code points, so a rare character outside the BMP (𠮷) counts as one.
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    middle = "".join(c if c in _NAME_SEPARATORS or c == " " else "*" for c in name[1:-1])
    return name[0] + middle + name[-1]


def mask_id_number(value: str) -> str:
    """11010519491231002X → 1101**********002X: the first 4 and last 4 characters stay."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """13800138000 → 138****8000: the first 3 and last 4 digits stay."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def resident_id_birth_date(value: str) -> dt.date:
    """The birth date a valid resident ID number carries (digits 7 to 14)."""
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def resident_id_sex(value: str) -> str:
    """``male`` or ``female``: the 17th digit of a resident ID number is odd for men."""
    return "male" if int(value[16]) % 2 else "female"


@dataclass(frozen=True)
class CardHolder:
    """What a resident ID card's chip says about its holder (the card reader's helper sends
    it with the number): pre-fills a first visit's record. Patient data: never in a repr or
    a log line."""

    id_number: str = field(repr=False)
    name: str = field(repr=False)
    address: str = field(default="", repr=False)

    @property
    def sex(self) -> str:
        return resident_id_sex(self.id_number)

    @property
    def birth_date(self) -> dt.date:
        return resident_id_birth_date(self.id_number)
