"""sentlab: the Sent messaging API (v3) as typed pandas DataFrames, metrics, plots and a simulator.

>>> import sentlab
>>> lab = sentlab.connect()          # no key: the built-in simulator's demo account
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
