"""Phone numbers read with ``phonenumbers``: the one place sentlab parses a number.

Numbers typed into a form are checked here before any request (:func:`check_numbers`), frames
take a contact's region from here (:func:`region_of`), and the simulator reads the numbers it is
sent with the same functions. ``phonenumbers`` is imported at first use, never at import.

>>> checked = check_numbers("+14155550123, 020 7946 0958", region="GB")
>>> checked.numbers, checked.problems
(('+14155550123', '+442079460958'), {})
>>> region_of("+447700900123")
'GB'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

__all__ = ["CheckedNumbers", "InvalidNumberError", "check_numbers", "check_region", "is_valid_number",
           "region_of", "region_of_parsed", "split_numbers"]  # fmt: skip

_SEPARATORS = re.compile(r"[,;\n\r\t]+")
_E164_HINT = "write it in E.164: '+', the country code, then the number, e.g. +14155551234"


@lru_cache(maxsize=200_000)
def region_of(number: str) -> str | None:
    """ISO region of a phone number (``'+14155551234'`` -> ``'US'``), cached per number; None when
    it cannot be read or belongs to no region.

    >>> region_of("+447700900123")
    'GB'
    """
    import phonenumbers  # deferred: a few ms at first use, never at import

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return region_of_parsed(parsed)


def region_of_parsed(parsed: PhoneNumber) -> str | None:
    """ISO region of a parsed number: its range's, else its calling code's (numbers outside any
    allocated range, as test and fiction ranges are, still have a country code); None for a
    non-geographic or unknown one.

    >>> import phonenumbers
    >>> region_of_parsed(phonenumbers.parse("+15555550100"))
    'US'
    """
    import phonenumbers

    region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
        parsed.country_code
    )
    return region if region not in (None, "ZZ", "001") else None


def possible_e164(number: str) -> tuple[str | None, str | None]:
    """``number`` (with its country code) in E.164 when it is a *possible* number: ``(e164, None)``,
    else ``(None, why)`` with ``why`` ``"unreadable"`` or ``"length"``. Whether it is assigned is
    the lookup endpoint's question, not a local one.

    >>> possible_e164("+44 7700 900123"), possible_e164("+1 555"), possible_e164("hello")
    (('+447700900123', None), (None, 'length'), (None, 'unreadable'))
    """
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None, "unreadable"
    if not phonenumbers.is_possible_number(parsed):
        return None, "length"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


def is_valid_number(number: str) -> bool:
    """Whether ``number`` (E.164) is in a range some operator was given; False when it cannot be read.

    >>> is_valid_number("+14155550123"), is_valid_number("+1555"), is_valid_number("not a number")
    (True, False, False)
    """
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


class InvalidNumberError(ConfigurationError):
    """Numbers that cannot be used, caught locally: nothing was requested.

    ``problems`` maps each number, as typed, to what is wrong with it and how to fix it.

    >>> form = sentlab.SendController(lab, template="order_confirmation")
    >>> form.set_recipients("+14155550123, 4155550123").numbers
    ('+14155550123',)
    >>> try:
    ...     form.submit()
    ... except sentlab.InvalidNumberError as exc:
    ...     exc.problems
    {'4155550123': "has no country code: write it in E.164..."}
    """

    def __init__(self, problems: Mapping[str, str], *, consequence: str = "nothing was sent") -> None:
        self.problems = dict(problems)
        count = len(self.problems)
        head = f"{count} phone number{'s' if count != 1 else ''} cannot be used, so {consequence}:"
        super().__init__("\n".join([head, *(f"  {number!r} {problem}" for number, problem in self.problems.items())]))


@dataclass(frozen=True)
class CheckedNumbers:
    """Numbers read from user input: the usable ones in E.164, and the rest with what to fix.

    >>> check_numbers("+14155550123, 12345").problems
    {'12345': "has no country code: write it in E.164..."}
    """

    numbers: tuple[str, ...] = ()  # E.164, in input order, each once
    problems: dict[str, str] = field(default_factory=dict)  # as typed -> what to fix
    typed: dict[str, str] = field(default_factory=dict)  # E.164 -> how it was first typed
    duplicates: int = 0  # numbers given more than once (sent or looked up once)

    @property
    def ok(self) -> bool:
        """True when every number given is usable.

        >>> check_numbers("+14155550123").ok
        True
        """
        return not self.problems

    def describe(self) -> str:
        """One line for the form: how many numbers are ready, and the problems.

        >>> check_numbers("+14155550123, +14155550123").describe()
        '1 number ready (1 duplicate ignored)'
        """
        count = len(self.numbers)
        parts = [f"{count} number{'s' if count != 1 else ''} ready"]
        if self.duplicates:
            parts.append(f"({self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} ignored)")
        text = " ".join(parts)
        if self.problems:
            text += f"; {len(self.problems)} to fix: " + "; ".join(f"{n!r} {p}" for n, p in self.problems.items())
        return text


def split_numbers(numbers: str | Iterable[Any] | None) -> list[str]:
    """The numbers in a text (separated by commas, semicolons or new lines) or in a list, stripped.

    Spaces stay inside a number: ``+1 415 555 0123`` is one number.

    >>> split_numbers("+14155550123, +447911123456\\n+5511912345678")
    ['+14155550123', '+447911123456', '+5511912345678']
    """
    if numbers is None:
        return []
    parts = _SEPARATORS.split(numbers) if isinstance(numbers, str) else [str(n) for n in numbers]
    return [part.strip() for part in parts if part and part.strip()]


def check_region(region: str | None) -> str | None:
    """``region`` as an upper-case ISO region code that ``phonenumbers`` knows, or ConfigurationError.

    >>> check_region("us")
    'US'
    """
    if region is None or not str(region).strip():
        return None
    import phonenumbers

    code = str(region).strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigurationError(
            f"region {region!r} is not a region code phonenumbers knows: use a two-letter ISO code such as 'US' or 'GB'"
        )
    return code


def check_numbers(
    numbers: str | Iterable[Any] | None, *, region: str | None = None, strict: bool = True
) -> CheckedNumbers:
    """Read phone numbers with ``phonenumbers``: each usable one in E.164, each other one with what to fix.

    ``region`` (e.g. ``"US"``) reads numbers written without a country code as national numbers
    of that region. ``strict=True`` also refuses numbers in ranges no operator was given (the
    right check before sending); ``strict=False`` only checks the length, since whether a number
    is assigned is what a lookup answers.

    >>> check_numbers("(415) 555-0123", region="US").numbers
    ('+14155550123',)
    """
    region = check_region(region)
    usable: dict[str, str] = {}
    problems: dict[str, str] = {}
    duplicates = 0
    for typed in split_numbers(numbers):
        e164, problem = _read_number(typed, region, strict)
        if problem is not None:
            problems.setdefault(typed, problem)
        elif e164 in usable:
            duplicates += 1
        else:
            usable[e164] = typed
    return CheckedNumbers(tuple(usable), problems, usable, duplicates)


def _read_number(typed: str, region: str | None, strict: bool) -> tuple[str | None, str | None]:
    """(E.164, None) for a usable number, else (None, what is wrong and how to fix it)."""
    import phonenumbers
    from phonenumbers import NumberParseException, ValidationResult

    text = typed.removeprefix("tel:").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    international = text.startswith("+")
    if not any(ch.isdigit() for ch in text):
        return None, f"cannot be read (it has no digits): {_E164_HINT}"
    if not international and region is None:
        return None, f"has no country code: {_E164_HINT}, or give region= (e.g. 'US') to read national numbers"
    try:
        parsed = phonenumbers.parse(text, None if international else region)
    except NumberParseException as exc:
        reasons = {
            NumberParseException.INVALID_COUNTRY_CODE: "its country code is unknown",
            NumberParseException.NOT_A_NUMBER: "it is not a phone number",
            NumberParseException.TOO_SHORT_NSN: "it is too short",
            NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short",
            NumberParseException.TOO_LONG: "it is too long",
        }
        return None, f"cannot be read ({reasons.get(exc.error_type, 'unreadable')}): {_E164_HINT}"
    country = f"+{parsed.country_code}"
    regions = phonenumbers.region_codes_for_country_code(parsed.country_code)
    where = f"{country} ({regions[0]})" if len(regions) == 1 and regions[0] != "ZZ" else country
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return None, f"has an unknown country code {country}: check the digits after '+'"
    if reason == ValidationResult.TOO_SHORT:
        return None, f"is too short for {where}: check for missing digits"
    if reason == ValidationResult.TOO_LONG:
        return None, f"is too long for {where}: check for extra digits"
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return None, f"is too short for {where} (only a local number is that short): check for a missing area code"
    if reason != ValidationResult.IS_POSSIBLE:
        return None, f"has the wrong number of digits for {where}: check the digits"
    if strict and not phonenumbers.is_valid_number(parsed):
        return None, (f"is not a number in use in {where} (no operator has that range): check the digits; "
                      "a lookup tells what the network knows")  # fmt: skip
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


