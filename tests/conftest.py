"""Shared test settings: hypothesis profiles and strict floating-point errors."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# "ci" is deterministic (derandomize) so that a CI failure reproduces; "dev" explores more.
settings.register_profile(
    "ci", max_examples=200, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def strict_fp():
    """Turn numpy's overflow, divide-by-zero and invalid-operation warnings into errors.

    Underflow stays silent, as numpy's default has it: exp(-1000) rounding to 0 is the
    correctly rounded answer, not an error.
    """
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield
