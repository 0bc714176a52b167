"""Real-format phone numbers for the simulator, and a deterministic number lookup.

Numbers are generated in the real numbering plans of their regions (Google's
libphonenumber metadata, via :mod:`phonenumbers`), so a client that parses a
simulated ``outbound_number`` with ``phonenumbers`` gets the right region, and
formats are exactly what the real API shows for a contact.

Generation is fast: for each (region, line type) a *plan* is discovered once
and cached — a pool of national-number prefixes, found by randomising the
region's example number and keeping candidates that ``phonenumbers`` confirms
valid and of the right type and region. Each new number is a pooled prefix
plus random trailing digits, checked against the region's compiled patterns
(about a microsecond) and redrawn on the rare miss. The tests check a sample
of thousands of numbers per region against ``phonenumbers.is_valid_number``.

The lookup (``GET /v3/numbers/lookup/{phone_number}``) is deterministic per
number: every random choice (carrier where ``phonenumbers`` knows none,
porting, MNC) is drawn from a ``random.Random`` seeded by a stable hash of the
E.164 number (BLAKE2b, not Python's salted ``hash()``).
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, carrier
from phonenumbers.phonemetadata import PhoneMetadata

from sentlab._phone import region_of_parsed

__all__ = [
    "CARRIERS",
    "FIXED_LINE_OPERATORS",
    "PORTED_SHARE",
    "is_e164",
    "lookup",
    "make_landline",
    "make_number",
    "number_formats",
]

#: Share of valid mobile numbers the lookup reports as ported (about 8%).
PORTED_SHARE = 0.08

#: Mobile network operators per region: ``(name, MCC, MNC, aliases)``.
#: MCC/MNC are the operators' public ITU-T E.212 codes (one representative MNC
#: each; large operators hold several). ``aliases`` are lower-case substrings
#: of the carrier names ``phonenumbers`` reports for that operator's ranges, so
#: a known original carrier maps to its own codes. Regions not listed get the
#: carrier ``phonenumbers`` reports (if any) and no MCC/MNC.
CARRIERS: dict[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    "US": (
        ("T-Mobile", "310", "260", ("t-mobile",)),
        ("AT&T", "310", "410", ("at&t", "cingular")),
        ("Verizon Wireless", "311", "480", ("verizon",)),
    ),
    "CA": (
        ("Rogers", "302", "720", ("rogers",)),
        ("Bell Mobility", "302", "610", ("bell",)),
        ("Telus", "302", "220", ("telus",)),
    ),
    "MX": (
        ("Telcel", "334", "020", ("telcel",)),
        ("AT&T", "334", "050", ("at&t", "iusacell", "nextel")),
        ("Movistar", "334", "030", ("movistar", "telef")),
    ),
    "BR": (
        ("Vivo", "724", "06", ("vivo",)),
        ("Claro", "724", "05", ("claro",)),
        ("TIM", "724", "04", ("tim",)),
        ("Oi", "724", "31", ("oi",)),
    ),
    "AR": (
        ("Claro", "722", "310", ("claro",)),
        ("Movistar", "722", "070", ("movistar",)),
        ("Personal", "722", "341", ("personal",)),
    ),
    "CO": (
        ("Claro", "732", "101", ("claro", "comcel")),
        ("Movistar", "732", "123", ("movistar",)),
        ("Tigo", "732", "103", ("tigo",)),
    ),
    "GB": (
        ("EE", "234", "30", ("ee", "t-mobile", "orange")),
        ("Vodafone", "234", "15", ("vodafone",)),
        ("O2", "234", "10", ("o2", "telefonica")),
        ("Three", "234", "20", ("three", "hutchison")),
    ),
    "DE": (
        ("Telekom", "262", "01", ("t-mobile", "telekom")),
        ("Vodafone", "262", "02", ("vodafone",)),
        ("O2", "262", "03", ("o2", "e-plus", "eplus", "telef")),
    ),
    "FR": (
        ("Orange", "208", "01", ("orange",)),
        ("SFR", "208", "10", ("sfr",)),
        ("Bouygues Telecom", "208", "20", ("bouygues",)),
        ("Free Mobile", "208", "15", ("free",)),
    ),
    "ES": (
        ("Movistar", "214", "07", ("movistar", "telef")),
        ("Vodafone", "214", "01", ("vodafone",)),
        ("Orange", "214", "03", ("orange",)),
        ("Yoigo", "214", "04", ("yoigo", "xfera")),
    ),
    "IT": (
        ("TIM", "222", "01", ("tim", "telecom italia")),
        ("Vodafone", "222", "10", ("vodafone",)),
        ("WindTre", "222", "88", ("wind", "3 italia", "h3g")),
        ("Iliad", "222", "50", ("iliad",)),
    ),
    "NL": (
        ("KPN", "204", "08", ("kpn",)),
        ("Vodafone", "204", "04", ("vodafone", "libertel")),
        ("Odido", "204", "16", ("odido", "t-mobile", "tele2")),
    ),
    "IN": (
        ("Jio", "405", "857", ("jio", "reliance")),
        ("Airtel", "404", "10", ("airtel",)),
        ("Vi", "404", "20", ("vodafone", "idea", "vi")),
        ("BSNL", "404", "34", ("bsnl", "cellone", "mtnl", "dolphin")),
    ),
    "ID": (
        ("Telkomsel", "510", "10", ("telkomsel",)),
        ("Indosat Ooredoo", "510", "01", ("indosat", "im3", "ooredoo")),
        ("XL Axiata", "510", "11", ("xl", "axis")),
    ),
    "PH": (
        ("Smart", "515", "03", ("smart", "sun", "tnt")),
        ("Globe", "515", "02", ("globe", "tm")),
        ("DITO", "515", "66", ("dito",)),
    ),
    "SG": (
        ("Singtel", "525", "01", ("singtel",)),
        ("StarHub", "525", "05", ("starhub",)),
        ("M1", "525", "03", ("m1",)),
    ),
    "AE": (
        ("Etisalat", "424", "02", ("etisalat", "e&")),
        ("du", "424", "03", ("du",)),
    ),
    "SA": (
        ("STC", "420", "01", ("stc", "al jawal")),
        ("Mobily", "420", "03", ("mobily",)),
        ("Zain", "420", "04", ("zain",)),
    ),
    "ZA": (
        ("Vodacom", "655", "01", ("vodacom",)),
        ("MTN", "655", "10", ("mtn",)),
        ("Cell C", "655", "07", ("cell c",)),
        ("Telkom", "655", "02", ("telkom", "8ta")),
    ),
    "NG": (
        ("MTN", "621", "30", ("mtn",)),
        ("Airtel", "621", "20", ("airtel", "zain", "celtel")),
        ("Glo", "621", "50", ("glo",)),
        ("9mobile", "621", "60", ("9mobile", "etisalat")),
    ),
    "KE": (
        ("Safaricom", "639", "02", ("safaricom",)),
        ("Airtel", "639", "03", ("airtel", "zain")),
        ("Telkom Kenya", "639", "07", ("telkom", "orange")),
    ),
    "EG": (
        ("Vodafone", "602", "02", ("vodafone",)),
        ("Orange", "602", "01", ("orange", "mobinil")),
        ("Etisalat", "602", "03", ("etisalat", "e&")),
        ("WE", "602", "04", ("we", "te", "telecom egypt")),
    ),
    "AU": (
        ("Telstra", "505", "01", ("telstra",)),
        ("Optus", "505", "02", ("optus",)),
        ("Vodafone", "505", "03", ("vodafone",)),
    ),
    "JP": (
        ("NTT Docomo", "440", "10", ("docomo", "ntt")),
        ("SoftBank", "440", "20", ("softbank",)),
        ("KDDI", "440", "50", ("kddi", "au")),
        ("Rakuten Mobile", "440", "11", ("rakuten",)),
    ),
}

#: The incumbent fixed-line operator per region, reported for landlines.
FIXED_LINE_OPERATORS: dict[str, str] = {
    "US": "AT&T",
    "CA": "Bell Canada",
    "MX": "Telmex",
    "BR": "Oi",
    "AR": "Telecom Argentina",
    "CO": "Claro",
    "GB": "BT",
    "DE": "Deutsche Telekom",
    "FR": "Orange",
    "ES": "Telefónica",
    "IT": "TIM",
    "NL": "KPN",
    "IN": "BSNL",
    "ID": "Telkom Indonesia",
    "PH": "PLDT",
    "SG": "Singtel",
    "AE": "Etisalat",
    "SA": "STC",
    "ZA": "Telkom",
    "NG": "ipNX",
    "KE": "Telkom Kenya",
    "EG": "Telecom Egypt",
    "AU": "Telstra",
    "JP": "NTT East",
}

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_LANDLINE_TYPES = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

#: Trailing digits drawn fresh for every number (the pooled prefix holds the rest).
_SUFFIX_DIGITS = 4
#: Distinct prefixes pooled per (region, line type).
_POOL_SIZE = 64
_DISCOVERY_ATTEMPTS = 4000

_E164_RE = re.compile(r"\+[1-9]\d{7,14}")


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to draw numbers of one line type in one region."""

    region: str
    prefix: str  # "+<country code>"
    national_prefixes: tuple[str, ...]
    general: re.Pattern[str]
    typed: re.Pattern[str]
    lengths: frozenset[int]


def _stable_seed(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _check_region(region_code: str) -> str:
    region = region_code.upper() if isinstance(region_code, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"unknown region code {region_code!r}; expected an ISO 3166 code like 'US'"
        )
    return region


@functools.cache
def _plan(region: str, landline: bool) -> _Plan:
    """Discover (once) a pool of valid national-number prefixes for ``region``."""
    kind = PhoneNumberType.FIXED_LINE if landline else PhoneNumberType.MOBILE
    wanted = _LANDLINE_TYPES if landline else _MOBILE_TYPES
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        raise ValueError(f"phonenumbers has no {_kind_name(kind)} example for region {region!r}")
    meta = PhoneMetadata.metadata_for_region(region)
    desc = meta.fixed_line if landline else meta.mobile
    general = re.compile(meta.general_desc.national_number_pattern)
    typed = re.compile(desc.national_number_pattern)
    lengths = frozenset(desc.possible_length or meta.general_desc.possible_length)
    cc = f"+{example.country_code}"
    nsn = phonenumbers.national_significant_number(example)
    n = len(nsn)
    keep = max(n - _SUFFIX_DIGITS, 1)
    rng = random.Random(_stable_seed(f"plan:{region}:{landline}"))

    def confirmed(national: str) -> bool:
        num = phonenumbers.parse(cc + national)
        return (
            phonenumbers.is_valid_number(num)
            and phonenumbers.region_code_for_number(num) == region
            and phonenumbers.number_type(num) in wanted
        )

    pool: dict[str, None] = {nsn[:keep]: None} if confirmed(nsn) else {}
    # Randomise as many leading digits as the plan allows (most variety first),
    # keeping fewer of the example's leading digits only when that finds too few.
    for fixed in range(0, keep):
        for _ in range(_DISCOVERY_ATTEMPTS):
            if len(pool) >= _POOL_SIZE:
                break
            cand = nsn[:fixed] + "".join(rng.choices("0123456789", k=n - fixed))
            if general.fullmatch(cand) and typed.fullmatch(cand) and confirmed(cand):
                pool.setdefault(cand[:keep], None)
        if len(pool) >= _POOL_SIZE // 2:
            break
    if not pool:
        raise ValueError(f"could not find valid {_kind_name(kind)} numbers for region {region!r}")
    prefixes = tuple(sorted(pool))
    return _Plan(region, cc, prefixes, general, typed, lengths)


def _kind_name(kind: int) -> str:
    return "landline" if kind == PhoneNumberType.FIXED_LINE else "mobile"


def _draw(plan: _Plan, rng: random.Random) -> str:
    prefixes = plan.national_prefixes
    for _ in range(64):
        p = prefixes[int(rng.random() * len(prefixes))]
        width = _SUFFIX_DIGITS
        national = p + str(rng.randrange(10**width)).zfill(width)
        if plan.general.fullmatch(national) and plan.typed.fullmatch(national):
            return plan.prefix + national
    # Pathological region: fall back to the full check, still deterministic.
    for _ in range(10_000):
        p = prefixes[int(rng.random() * len(prefixes))]
        national = p + str(rng.randrange(10**_SUFFIX_DIGITS)).zfill(_SUFFIX_DIGITS)
        if phonenumbers.is_valid_number(phonenumbers.parse(plan.prefix + national)):
            return plan.prefix + national
    raise ValueError(f"could not draw a valid number for region {plan.region!r}")


def make_number(region_code: str, rng: random.Random) -> str:
    """A valid mobile number of ``region_code`` in E.164, drawn from ``rng``.

    Same ``rng`` state, same number. Valid per ``phonenumbers.is_valid_number``
    and typed MOBILE (or FIXED_LINE_OR_MOBILE where the plan cannot tell, as
    in the US and Canada).

    >>> import random
    >>> make_number("GB", random.Random(1))
    '+447246001033'
    """
    return _draw(_plan(_check_region(region_code), False), rng)


def make_landline(region_code: str, rng: random.Random) -> str:
    """A valid fixed-line number of ``region_code`` in E.164, drawn from ``rng``.

    >>> import random
    >>> make_landline("DE", random.Random(1))
    '+4941271033'
    """
    return _draw(_plan(_check_region(region_code), True), rng)


@functools.lru_cache(maxsize=65_536)
def _formats(e164: str) -> tuple[str, str, str, str, str, str, str | None]:
    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number in E.164 form: {e164!r} ({exc})") from None
    canonical = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(num)
    return (
        canonical,
        canonical,
        phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(num, PhoneNumberFormat.RFC3966),
        str(num.country_code),
        region if region and region not in ("ZZ", "001") else None,
    )


def number_formats(e164: str) -> dict[str, str | None]:
    """The contact phone fields of the API for one number.

    Keys: ``phone_number``, ``format_e164``, ``format_international``,
    ``format_national``, ``format_rfc``, ``country_code`` (calling code as a
    string) and ``region_code`` (None when the calling code is not tied to one
    region). Cached; a fresh dict is returned on every call. Raises
    ``ValueError`` if ``e164`` does not parse.

    >>> number_formats("+12025550123")["format_rfc"]
    'tel:+1-202-555-0123'
    """
    keys = (
        "phone_number",
        "format_e164",
        "format_international",
        "format_national",
        "format_rfc",
        "country_code",
        "region_code",
    )
    return dict(zip(keys, _formats(e164), strict=True))


#: Digit layout of the international format per (leading digits, length): numbers that share
#: their calling code and first national digits are grouped alike (libphonenumber picks the
#: pattern by leading digits), so one formatted number shows how to lay out the others.
_SHAPES: dict[tuple[str, int], str | None] = {}
_SHAPE_PREFIX = 8  # "+" and seven digits: the calling code and the national digits that pick a pattern


_CALLING_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _international(e164: str) -> str:
    """libphonenumber's international format of an E.164 number, without parsing it (calling
    codes are prefix-free: the first 1–3 digits that are one split the number)."""
    for k in (1, 2, 3):
        code = int(e164[1 : 1 + k])
        if code in _CALLING_CODES:
            break
    else:
        return _formats(e164)[2]
    rest = e164[1 + k :]
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(rest))
    if rest.startswith("0"):  # Italian-style national numbers keep their leading zeros
        number.italian_leading_zero = True
        number.number_of_leading_zeros = len(rest) - len(rest.lstrip("0"))
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def format_international(e164: str) -> str | None:
    """``number_formats(e164)["format_international"]``, fast for numbers shaped like ones seen.

    A list of 100 messages shows 100 numbers in international format; formatting each with
    libphonenumber costs ~0.1 ms, so layouts are reused (tested equal over generated worlds).

    >>> format_international("+12025550123")
    '+1 202-555-0123'
    """
    key = (e164[:_SHAPE_PREFIX], len(e164))
    shape = _SHAPES.get(key)
    if shape is None:
        formatted = _international(e164)
        digits = "".join(ch for ch in formatted if ch.isdigit())
        shape = "".join("#" if ch.isdigit() else ch for ch in formatted) if digits == e164[1:] else ""
        if len(_SHAPES) < 100_000:
            _SHAPES[key] = shape
        return formatted
    if not shape:  # a layout that does not keep every digit in order: format this one properly
        return _international(e164)
    it = iter(e164[1:])
    return "".join(next(it) if ch == "#" else ch for ch in shape)


def is_e164(s: str) -> bool:
    """Strict E.164 check: ``+``, 8 to 15 digits, and a possible number.

    >>> is_e164("+14155550123"), is_e164("4155550123"), is_e164("+1 415 555 0123")
    (True, False, False)
    """
    if not isinstance(s, str) or not _E164_RE.fullmatch(s):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(s, None))
    except phonenumbers.NumberParseException:
        return False


_LINE_TYPE = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


def _parse_lookup_input(phone: str) -> phonenumbers.PhoneNumber:
    if not isinstance(phone, str):
        raise ValueError("phone number must be a string")
    text = phone.strip()
    if not text:
        raise ValueError("Phone number is required")
    if text[0] != "+" and text.isdigit():
        text = "+" + text  # the path parameter is often sent without its '+'
    try:
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"cannot parse phone number {phone!r}: {exc}") from None


def _match_carrier(region: str, name: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    low = name.lower()
    words = set(re.split(r"[^a-z0-9&]+", low))
    for entry in CARRIERS.get(region, ()):
        for alias in entry[3]:
            if (alias in words) if len(alias) <= 3 else (alias in low):
                return entry
    return None


def lookup(phone: str) -> dict[str, Any]:
    """The ``data`` payload of ``GET /v3/numbers/lookup/{phone_number}``.

    Deterministic per number. Keys as in the docs' example: ``phone_number``
    (E.164), ``is_valid``, ``carrier_name``, ``line_type`` (``mobile``,
    ``landline``, ``voip``, ``toll_free``, … or ``unknown``), ``country_code``
    (ISO region, e.g. ``"US"``), ``mobile_country_code`` and
    ``mobile_network_code`` (strings, None off mobile networks), ``is_ported``
    and ``is_voip``. A parseable but invalid number gives ``is_valid: False``
    with nulls; unparseable input raises ``ValueError`` (the route answers 400).

    >>> r = lookup("+447400123456")
    >>> r["is_valid"], r["line_type"], r["country_code"], r["mobile_country_code"]
    (True, 'mobile', 'GB', '234')
    """
    num = _parse_lookup_input(phone)
    e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    region = region_of_parsed(num)
    result: dict[str, Any] = {
        "phone_number": e164,
        "is_valid": False,
        "carrier_name": None,
        "line_type": "unknown",
        "country_code": region,
        "mobile_country_code": None,
        "mobile_network_code": None,
        "is_ported": False,
        "is_voip": False,
    }
    if not phonenumbers.is_valid_number(num):
        return result
    rng = random.Random(_stable_seed("lookup:" + e164))
    ntype = phonenumbers.number_type(num)
    if ntype == PhoneNumberType.FIXED_LINE_OR_MOBILE:
        line_type = "mobile" if rng.random() < 0.85 else "landline"
    else:
        line_type = _LINE_TYPE.get(ntype, "unknown")
    name: str | None = None
    current = None
    is_ported = False
    if line_type == "mobile":
        known = carrier.name_for_number(num, "en")
        operators = CARRIERS.get(region or "", ())
        original = _match_carrier(region or "", known) if known else None
        if original is None and operators:
            original = operators[int(rng.random() * len(operators))]
        is_ported = len(operators) > 1 and rng.random() < PORTED_SHARE
        current = original
        if is_ported:
            current = rng.choice([o for o in operators if o is not original])
        # A ported number reports the operator it was ported to, as lookups do.
        name = current[0] if current is not None and (is_ported or not known) else known or None
    elif line_type == "landline":
        name = FIXED_LINE_OPERATORS.get(region or "")
    result.update(
        is_valid=True,
        carrier_name=name,
        line_type=line_type,
        is_ported=is_ported,
        is_voip=line_type == "voip",
    )
    if current is not None:
        result["mobile_country_code"] = current[1]
        result["mobile_network_code"] = current[2]
    return result
