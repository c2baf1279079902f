"""/metrics: the pipeline's state in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from editron.api.deps import Reader, SettingsDep
from editron.services.metrics import render_metrics

__all__ = ["router"]

router = APIRouter(tags=["system"])


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(settings: SettingsDep, _: Reader) -> str:
    """The pipeline's state (batches, sessions and jobs by status, queue depth) in the Prometheus
    text format."""
    return render_metrics(settings=settings)
