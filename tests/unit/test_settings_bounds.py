"""Settings that would crash a job later are refused when the settings are read, naming the setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import Settings


@pytest.mark.parametrize("days", [0, 800_000])
def test_retention_days_out_of_range_is_refused_up_front(days):
    """800,000 days back is before year 1: the daily purge's cut-off date would overflow on every run."""
    with pytest.raises(ValidationError, match="retention_days"):
        Settings(retention_days=days)


def test_retention_days_in_range_is_kept():
    assert Settings(retention_days=36_500).retention_days == 36_500


@pytest.mark.parametrize("p", [0, 1.5])
def test_the_retune_promotion_p_value_must_be_a_probability(p):
    with pytest.raises(ValidationError, match="retune_promote_p"):
        Settings(retune_promote_p=p)
