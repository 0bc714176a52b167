"""sentlab: the Sent messaging API (v3) as typed pandas DataFrames, metrics, plots and a simulator.

>>> import sentlab
>>> lab = sentlab.connect()          # no key and no base URL: the built-in simulator's demo account
>>> lab.contacts().head()

Names are imported lazily, so ``import sentlab`` is fast and has no side effects.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    # the session object: the notebook entry point
    "connect": "sentlab._session",
    "Lab": "sentlab._session",
    # the clients (records, not DataFrames)
    "SentClient": "sentlab._blocking_client",
    "AsyncSentClient": "sentlab._client",
    "FanOutResult": "sentlab._client",
    "EventPage": "sentlab._client",
    # client settings: connect(pacing=Pacing(...), retries=Retries(...), limits=Limits(...))
    "Pacing": "sentlab._config",
    "Retries": "sentlab._config",
    "Limits": "sentlab._config",
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
    "LookupController": "sentlab._lookup_controller",
    "InvalidNumberError": "sentlab._phone",
    "DuplicateSendError": "sentlab._submissions",
    "check_numbers": "sentlab._phone",
    # webhooks: verify, receive, replay (the functions live in ``sentlab.webhooks``)
    "WebhookVerificationError": "sentlab.webhooks._verify",
}

#: Public subpackages, imported on first use (``sentlab.webhooks.verify(...)``).
_SUBPACKAGES = ("webhooks",)

__all__ = ["__version__", *_EXPORTS, *_SUBPACKAGES]


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
