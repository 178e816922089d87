"""Fixtures for the doctor scenarios: a world of moto, Stubbers and the EKS API double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.doctor.world import CLUSTER, World
from tests.support.eks_double import EksApiDouble


@pytest.fixture
def world(moto_url: str, tmp_path: Path) -> Iterator[World]:
    with EksApiDouble(cluster_id=CLUSTER, identities={}) as double:
        yield World(moto_url, tmp_path, double)
