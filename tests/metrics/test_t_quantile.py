"""The Student t quantile behind cost intervals: scipy's values, without importing scipy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sentlab._costs import _t, _t_quantile


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_quantile_matches_scipy(confidence):
    from scipy.stats import t

    nu = np.array([1, 1.2, 1.5, 2, 2.5, 3.7, 5, 10, 17.3, 30, 49.9, 50, 80, 100, 1e3, 1e6])
    np.testing.assert_allclose(_t_quantile(confidence, nu), t.ppf(0.5 + confidence / 2, nu), rtol=2e-7)


def test_t_below_one_degree_of_freedom_counts_as_one_and_unknown_as_normal():
    out = _t(0.95, np.array([0.3, 1.0, np.nan, 0.0]))
    assert out[0] == out[1] == pytest.approx(12.7062047, rel=1e-7)
    assert out[2] == out[3] == pytest.approx(1.9599640, rel=1e-7)


def test_an_estimated_cost_imports_no_scipy():
    # scipy took seconds to import in every report whose cost had an estimate
    code = ("import sys, pandas as pd, sentlab\n"
            "m = sentlab.build_frame('messages', [\n"
            "  {'id': f'm{i}', 'status': 'DELIVERED', 'channel': 'sms', 'region_code': 'US',\n"
            "   'template_category': 'UTILITY', 'price': (0.01 * (i % 3) if i < 6 else None)} for i in range(9)])\n"
            "c = sentlab.costs(m)\n"
            "assert c['method'][0] == 'estimate' and c['total_high'][0] > c['total_low'][0], c.T\n"
            "print('scipy' in sys.modules)\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
