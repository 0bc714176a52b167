"""The lookup form's controller: numbers in (text or list), checked locally, looked up, a typed frame out.

>>> lookups = LookupController(lab)
>>> lookups.lookup("+14155550123, +447911123456").numbers[["phone_number", "carrier_name"]]
    phone_number      carrier_name
0   +14155550123  Verizon Wireless
1  +447911123456                JT
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._errors import ConfigurationError
from ._form_state import Observable, as_text, safe_text
from ._phone import CheckedNumbers, check_numbers, check_region

__all__ = ["LookupController", "LookupResult"]


@dataclass
class LookupResult:
    """The answer to one lookup: a typed frame of numbers looked up, and what could not be.

    ``numbers`` has the ``number_lookups`` schema plus ``input`` (the number as typed);
    ``invalid`` lists numbers refused locally (never requested) with what to fix; ``failures``
    lists numbers the API could not look up, with its error.

    >>> result = lookups.lookup("+14155550123, 12345")
    >>> result.numbers[["input", "phone_number", "line_type"]]
              input  phone_number line_type
    0  +14155550123  +14155550123    mobile
    >>> result.invalid.input.tolist()
    ['12345']
    """

    numbers: pd.DataFrame
    invalid: pd.DataFrame
    failures: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when every number given was looked up.

        >>> lookups.lookup("+14155550123").ok
        True
        """
        return self.invalid.empty and self.failures.empty

    def summary(self) -> str:
        """One line: how many were looked up, refused locally, failed.

        >>> lookups.lookup("+14155550123, 12345").summary()
        '1 number looked up; 1 invalid, not requested'
        """
        count = len(self.numbers)
        parts = [f"{count} number{'s' if count != 1 else ''} looked up"]
        if len(self.invalid):
            parts.append(f"{len(self.invalid)} invalid, not requested")
        if len(self.failures):
            parts.append(f"{len(self.failures)} failed at the API")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"<LookupResult {self.summary()}>"


class LookupController(Observable):
    """The logic of the lookup form: numbers in (text or list), a typed frame out.

    Numbers are read locally first (``region`` reads national numbers); malformed ones are
    reported in ``invalid`` and never requested. The rest go through ``lab.lookup_numbers``,
    so a number already looked up is served from the local store.

    >>> lookups = LookupController(lab)
    >>> lookups.lookup("+14155550123, +447911123456").numbers[["phone_number", "carrier_name"]]
        phone_number      carrier_name
    0   +14155550123  Verizon Wireless
    1  +447911123456                JT
    """

    def __init__(self, lab: Any, *, region: str | None = None) -> None:
        if not callable(getattr(lab, "lookup_numbers", None)) or not hasattr(lab, "api"):
            raise ConfigurationError("LookupController needs the Lab from sentlab.connect()")
        self.lab = lab
        self.region = check_region(region)
        self._listeners = []
        self._numbers: str | list[str] = ""
        self.last: LookupResult | None = None
        self._found: list[pd.DataFrame] = []

    def __repr__(self) -> str:
        return f"<LookupController numbers={len(self.checked.numbers)} looked_up={len(self.results)}>"

    def set_numbers(self, numbers: str | Iterable[Any]) -> CheckedNumbers:
        """Give the numbers to look up (a text, comma or newline separated, or a list); returns them checked.

        >>> lookups.set_numbers("+14155550123\\n+447911123456").numbers
        ('+14155550123', '+447911123456')
        """
        self._numbers = numbers if isinstance(numbers, str) else [str(n) for n in numbers]
        self._notify("form")
        return self.checked

    @property
    def numbers_text(self) -> str:
        """The numbers as given (a list one per line): what the form's "Numbers" box shows.

        >>> _ = lookups.set_numbers(["+14155550123"]); lookups.numbers_text
        '+14155550123'
        """
        return as_text(self._numbers)

    @property
    def checked(self) -> CheckedNumbers:
        """The numbers given so far, read locally (length checks only: validity is the lookup's answer).

        >>> lookups.set_numbers("+14155550123, 12345").numbers
        ('+14155550123',)
        >>> lookups.checked.describe()
        "1 number ready; 1 to fix: '12345' has no country code: write it in E.164: ..."
        """
        return check_numbers(self._numbers, region=self.region, strict=False)

    def lookup(self, numbers: str | Iterable[Any] | None = None, *, refresh: bool = False) -> LookupResult:
        """Look the numbers up (those given here, else those set); invalid ones are reported, not requested.

        >>> lookups.lookup(["+14155550123", "+442079460958"]).numbers
                   input   phone_number  ...  is_ported  is_voip
        0   +14155550123   +14155550123  ...      False    False
        1  +442079460958  +442079460958  ...      False    False
        <BLANKLINE>
        [2 rows x 10 columns]
        """
        if numbers is not None:
            self.set_numbers(numbers)
        checked = self.checked
        if not checked.numbers and not checked.problems:
            raise ConfigurationError("give at least one number to look up (E.164, e.g. +14155551234)")
        from ._frames import build_frame

        failures: dict[str, Any] = {}
        if checked.numbers:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # failures are reported in the result instead
                frame = self.lab.lookup_numbers(list(checked.numbers), refresh=refresh)
            failures = dict(frame.attrs.get("failures") or {})
            frame.attrs.pop("failures", None)
        else:
            frame = build_frame("number_lookups", [])
        frame = frame.reset_index(drop=True)
        typed = frame["phone_number"].map(lambda n: checked.typed.get(n, n) if isinstance(n, str) else n)
        frame.insert(0, "input", typed.astype("str"))
        result = LookupResult(
            numbers=frame,
            invalid=pd.DataFrame(
                {"input": list(checked.problems), "problem": list(checked.problems.values())}, dtype="str"
            ),
            failures=pd.DataFrame(
                {"phone_number": list(failures), "error": [safe_text(self.lab, str(e)) for e in failures.values()]}, dtype="str"
            ),
        )
        self.last = result
        if len(frame):
            self._found.append(frame)
        self._notify("submission")
        return result

    @property
    def results(self) -> pd.DataFrame:
        """Every number looked up with this form so far, the latest answer for each.

        >>> _ = lookups.lookup("+14155550123, +447911123456")
        >>> lookups.results.line_type.value_counts()
        line_type
        mobile    2
        Name: count, dtype: int64
        """
        from ._frames import build_frame

        if not self._found:
            empty = build_frame("number_lookups", [])
            empty.insert(0, "input", pd.Series([], dtype="str"))
            return empty
        frame = pd.concat(self._found, ignore_index=True)
        return frame.drop_duplicates("phone_number", keep="last", ignore_index=True)
