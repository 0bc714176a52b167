"""sentlab: the Sent messaging API (v3) as typed pandas DataFrames, metrics, plots and a simulator.

>>> import sentlab
>>> lab = sentlab.connect()          # no key and no base URL: the built-in simulator's demo account
>>> lab.contacts().head()
   id  ...  profile_id
0  ...
[5 rows x 16 columns]

Names are imported lazily, so ``import sentlab`` is fast and has no side effects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    # the session object: the notebook entry point
    "connect": "sentlab._connect",
    "Lab": "sentlab._session",
    "AsyncLab": "sentlab._session",
    # the clients (records, not DataFrames)
    "SentClient": "sentlab._blocking_client",
    "AsyncSentClient": "sentlab._client",
    "FanOutResult": "sentlab._client",
    "EventPage": "sentlab._client",
    # client settings: connect(pacing=Pacing(...), retries=Retries(...), limits=Limits(...))
    "Pacing": "sentlab._config",
    "Retries": "sentlab._config",
    "Limits": "sentlab._config",
    "Limiter": "sentlab._ratelimit",
    # errors
    "SentError": "sentlab._errors",
    "ConfigurationError": "sentlab._errors",
    "APIError": "sentlab._errors",
    "AuthenticationError": "sentlab._errors",
    "PermissionDeniedError": "sentlab._errors",
    "ValidationError": "sentlab._errors",
    "NotFoundError": "sentlab._errors",
    "ConflictError": "sentlab._errors",
    "RateLimitError": "sentlab._errors",
    "ServerError": "sentlab._errors",
    "APIConnectionError": "sentlab._errors",
    "APITimeoutError": "sentlab._errors",
    "UnexpectedResponseError": "sentlab._errors",
    "Secret": "sentlab._errors",  # the API key as it travels: repr and str never show it
    # frames
    "schema": "sentlab._schemas",
    "build_frame": "sentlab._frames",
    "merge_message_details": "sentlab._frames",
    "export_frame": "sentlab._export",
    # the local store (lab.cache is one)
    "Store": "sentlab._store",
    # metrics (pure functions of a messages frame; also ``frame.sent.<name>``)
    "delivery_rates": "sentlab._metrics",
    "costs": "sentlab._metrics",
    "latency": "sentlab._metrics",
    "reply_rates": "sentlab._metrics",
    "call_stats": "sentlab._metrics",
    "price_sample": "sentlab._metrics",
    "wilson_interval": "sentlab._metrics",
    "DuplicateMessagesError": "sentlab._metrics",
    # analysis: honest comparisons, time to a stage with the in-flight counted, what changed
    "compare": "sentlab._compare",
    "time_to": "sentlab._survival",
    "survival_curve": "sentlab._survival",
    "anomalies": "sentlab._anomalies",
    # plots (each takes a metric frame and returns a matplotlib Figure)
    "plot_rates": "sentlab._plots",
    "plot_costs": "sentlab._plots",
    "plot_latency": "sentlab._plots",
    "plot_volume": "sentlab._plots",
    "plot_comparisons": "sentlab._analysis_plots",
    "plot_time_to": "sentlab._analysis_plots",
    "plot_anomalies": "sentlab._analysis_plots",
    # the report
    "build_report": "sentlab._report",
    "Report": "sentlab._report",
    # forms: ipywidgets views over plain controllers
    "send_form": "sentlab._widgets",
    "lookup_form": "sentlab._widgets",
    "SendController": "sentlab._controllers",
    "SendRequest": "sentlab._submissions",
    "Submission": "sentlab._submissions",
    "DuplicateSendError": "sentlab._submissions",
    "LookupController": "sentlab._lookup_controller",
    "LookupResult": "sentlab._lookup_controller",
    "check_numbers": "sentlab._phone",
    "CheckedNumbers": "sentlab._phone",
    "InvalidNumberError": "sentlab._phone",
    # webhooks: verify, receive, replay (the functions live in ``sentlab.webhooks``)
    "WebhookVerificationError": "sentlab.webhooks._verify",
}

#: Public subpackages, imported on first use (``sentlab.webhooks.verify(...)``).
_SUBPACKAGES = ("webhooks", "simulator")

__all__ = ["__version__", *_EXPORTS, *_SUBPACKAGES]

if TYPE_CHECKING:
    # What type checkers see: the same names as ``_EXPORTS`` (tests/test_public_api.py checks it),
    # imported eagerly. At run time ``__getattr__`` below imports each on first use.
    from . import simulator as simulator
    from . import webhooks as webhooks
    from ._analysis_plots import plot_anomalies as plot_anomalies
    from ._analysis_plots import plot_comparisons as plot_comparisons
    from ._analysis_plots import plot_time_to as plot_time_to
    from ._anomalies import anomalies as anomalies
    from ._blocking_client import SentClient as SentClient
    from ._client import AsyncSentClient as AsyncSentClient
    from ._client import EventPage as EventPage
    from ._client import FanOutResult as FanOutResult
    from ._compare import compare as compare
    from ._config import Limits as Limits
    from ._config import Pacing as Pacing
    from ._config import Retries as Retries
    from ._connect import connect as connect
    from ._controllers import SendController as SendController
    from ._errors import APIConnectionError as APIConnectionError
    from ._errors import APIError as APIError
    from ._errors import APITimeoutError as APITimeoutError
    from ._errors import AuthenticationError as AuthenticationError
    from ._errors import ConfigurationError as ConfigurationError
    from ._errors import ConflictError as ConflictError
    from ._errors import NotFoundError as NotFoundError
    from ._errors import PermissionDeniedError as PermissionDeniedError
    from ._errors import RateLimitError as RateLimitError
    from ._errors import Secret as Secret
    from ._errors import SentError as SentError
    from ._errors import ServerError as ServerError
    from ._errors import UnexpectedResponseError as UnexpectedResponseError
    from ._errors import ValidationError as ValidationError
    from ._export import export_frame as export_frame
    from ._frames import build_frame as build_frame
    from ._frames import merge_message_details as merge_message_details
    from ._lookup_controller import LookupController as LookupController
    from ._lookup_controller import LookupResult as LookupResult
    from ._metrics import DuplicateMessagesError as DuplicateMessagesError
    from ._metrics import call_stats as call_stats
    from ._metrics import costs as costs
    from ._metrics import delivery_rates as delivery_rates
    from ._metrics import latency as latency
    from ._metrics import price_sample as price_sample
    from ._metrics import reply_rates as reply_rates
    from ._metrics import wilson_interval as wilson_interval
    from ._phone import CheckedNumbers as CheckedNumbers
    from ._phone import InvalidNumberError as InvalidNumberError
    from ._phone import check_numbers as check_numbers
    from ._plots import plot_costs as plot_costs
    from ._plots import plot_latency as plot_latency
    from ._plots import plot_rates as plot_rates
    from ._plots import plot_volume as plot_volume
    from ._ratelimit import Limiter as Limiter
    from ._report import Report as Report
    from ._report import build_report as build_report
    from ._schemas import schema as schema
    from ._session import AsyncLab as AsyncLab
    from ._session import Lab as Lab
    from ._store import Store as Store
    from ._submissions import DuplicateSendError as DuplicateSendError
    from ._submissions import SendRequest as SendRequest
    from ._submissions import Submission as Submission
    from ._survival import survival_curve as survival_curve
    from ._survival import time_to as time_to
    from ._widgets import lookup_form as lookup_form
    from ._widgets import send_form as send_form
    from .webhooks._verify import WebhookVerificationError as WebhookVerificationError
else:
    # Not seen by type checkers, so a misspelt ``sentlab.X`` is their error, not ``Any``.

    def __getattr__(name: str) -> Any:
        if name in _SUBPACKAGES:
            return importlib.import_module(f"sentlab.{name}")
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'sentlab' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(__all__)
