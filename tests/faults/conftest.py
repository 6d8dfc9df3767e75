"""Fault tests leave no server behind, whatever an assertion did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faults.support import Server


@pytest.fixture(autouse=True)
def _no_server_left() -> Iterator[None]:
    yield
    while Server.started:
        Server.started.pop().stop()
