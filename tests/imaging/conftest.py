"""Fixtures of the retouch step tests."""

from __future__ import annotations

import numpy as np
import pytest
from retouch_synthetic import draw_page


@pytest.fixture(scope="session")
def page() -> np.ndarray:
    return draw_page()
