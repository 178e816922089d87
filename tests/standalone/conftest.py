"""Fixtures only: the standalone executable (tests/support/standalone.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import standalone
from tests.support.tools import real_tool


@pytest.fixture
def executable() -> Path:
    real_tool("the standalone executable")
    return standalone.executable()
