"""Special functions the metrics need, in numpy: the regularized incomplete beta and binomial tails.

Written here rather than taken from scipy, whose ``scipy.special`` import costs about as much
CPU as the rest of a warm report's analysis (tests/metrics/test_special.py checks these against
scipy to 1e-9). Pure functions of arrays, no I/O.

>>> from sentlab._special import binomial_sf
>>> round(float(binomial_sf(3, 10, 0.1)[0]), 6)   # P(X >= 3) for X ~ Binomial(10, 0.1)
0.070191
"""

from __future__ import annotations

from math import lgamma

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["betainc", "binomial_cdf", "binomial_sf", "log_beta"]

_TINY = 1e-300


def log_beta(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """``log B(a, b)`` element-wise (a, b > 0).

    >>> round(float(log_beta(2.0, 3.0)[0]), 6)   # B(2, 3) = 1/12
    -2.484907
    """
    a, b = np.broadcast_arrays(np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float)))
    return np.array([lgamma(x) + lgamma(y) - lgamma(x + y) for x, y in zip(a.ravel(), b.ravel(), strict=True)],
                    dtype=float).reshape(a.shape)  # fmt: skip


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike, lbeta: ArrayLike | None = None) -> np.ndarray:
    """The regularized incomplete beta ``I_x(a, b)``, element-wise, for a, b > 0 and 0 <= x <= 1.

    Lentz's evaluation of the continued fraction, on the side of the symmetry
    ``I_x(a, b) = 1 - I_(1-x)(b, a)`` where it converges fast; ``lbeta`` (``log B(a, b)``) may be
    passed when the caller has it.

    >>> round(float(betainc(2.0, 3.0, 0.5)[0]), 6)
    0.6875
    """
    a, b, x = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (a, b, x)))
    lb = log_beta(a, b) if lbeta is None else np.broadcast_to(np.asarray(lbeta, dtype=float), a.shape)
    swap = x > (a + 1) / (a + b + 2)
    p, q, y = np.where(swap, b, a), np.where(swap, a, b), np.where(swap, 1 - x, x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        front = np.exp(p * np.log(y) + q * np.log1p(-y) - lb) / p
        c = np.ones_like(y)
        d = 1 - (p + q) * y / (p + 1)
        d = 1 / np.where(np.abs(d) < _TINY, _TINY, d)
        h = d.copy()
        # Iterations grow as sqrt(max(a, b)): 2,000 covers counts in the millions.
        for m in range(1, 2001):
            for numerator in (m * (q - m) * y / ((p + 2 * m - 1) * (p + 2 * m)),
                              -(p + m) * (p + q + m) * y / ((p + 2 * m) * (p + 2 * m + 1))):  # fmt: skip
                d = 1 + numerator * d
                d = 1 / np.where(np.abs(d) < _TINY, _TINY, d)
                c = 1 + numerator / c
                c = np.where(np.abs(c) < _TINY, _TINY, c)
                h = h * d * c
            if np.all(np.abs(d * c - 1) < 1e-14):
                break
        value = np.where(y > 0, front * h, 0.0)
    return np.where(swap, 1 - value, value)


def binomial_sf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> np.ndarray:
    """``P(X >= k)`` for ``X ~ Binomial(n, p)``, element-wise (whole k and n; 1 where k <= 0, 0 where k > n).

    >>> binomial_sf([0, 1, 2], 2, 0.5).round(12).tolist()
    [1.0, 0.75, 0.25]
    """
    k, n, p = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (k, n, p)))
    out = np.where(k <= 0, 1.0, 0.0)
    inside = (k > 0) & (k <= n)
    if inside.any():
        # P(X >= k) = I_p(k, n - k + 1)
        out[inside] = _clipped(k[inside], n[inside] - k[inside] + 1, p[inside])
    return out


def binomial_cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> np.ndarray:
    """``P(X <= k)`` for ``X ~ Binomial(n, p)``, element-wise (whole k and n; 0 where k < 0, 1 where k >= n).

    >>> binomial_cdf([0, 1, 2], 2, 0.5).round(12).tolist()
    [0.25, 0.75, 1.0]
    """
    k, n, p = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (k, n, p)))
    out = np.where(k >= n, 1.0, 0.0)
    inside = (k >= 0) & (k < n)
    if inside.any():
        # P(X <= k) = I_(1-p)(n - k, k + 1)
        out[inside] = _clipped(n[inside] - k[inside], k[inside] + 1, 1 - p[inside])
    return out


def _clipped(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``I_x(a, b)`` with x at 0 or 1 (a probability of 0 or 1) answered exactly; NaN x gives NaN."""
    out = np.full(x.shape, np.nan)
    out[x <= 0] = 0.0
    out[x >= 1] = 1.0
    middle = (x > 0) & (x < 1)
    if middle.any():
        out[middle] = np.clip(betainc(a[middle], b[middle], x[middle]), 0.0, 1.0)
    return out
