"""/api/batches: ingest (202, runs on the queue), list, get; analyses of a batch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from editron.api.deps import Authorized, SettingsDep
from editron.services.analyze import AnalysisPublic, get_analysis, request_analysis
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.requests import AnalysisRequest, IngestRequest
from editron.services.schemas import BatchPublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["batches"])


class Accepted(BaseModel):
    id: str
    status: str
    job_id: str | None = None


class BatchList(BaseModel):
    items: list[BatchPublic]
    limit: int
    offset: int


@router.post("/batches", status_code=202, response_model=Accepted)
def create_batch(body: IngestRequest, response: Response, settings: SettingsDep,
                 _: Authorized) -> Accepted:
    batch = ingest_media_batch(source_url=body.source_url, reference_name=body.reference_name,
                               storage_tier=body.storage_tier,
                               checksum_required=body.checksum_required,
                               project_id=body.project_id, settings=settings, defer=True,
                               remote=True)
    response.headers["Location"] = f"/api/batches/{batch.batch_id}"
    return Accepted(id=batch.batch_id, status=batch.status)


@router.get("/batches", response_model=BatchList)
def batches(settings: SettingsDep, _: Authorized,
            status: Annotated[str | None, Query(pattern="^(queued|downloading|ready|analyzing|"
                                                        "analyzed|failed)$")] = None,
            project_id: str | None = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 50,
            offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> BatchList:
    items = list_batches(settings=settings, status=status, project_id=project_id, limit=limit,
                         offset=offset)
    return BatchList(items=items, limit=limit, offset=offset)


@router.get("/batches/{batch_id}", response_model=BatchPublic)
def batch(batch_id: str, settings: SettingsDep, _: Authorized) -> BatchPublic:
    return get_batch(batch_id, settings=settings)


@router.post("/batches/{batch_id}/analyses", status_code=202, response_model=Accepted)
def analyse(batch_id: str, body: AnalysisRequest, response: Response, settings: SettingsDep,
            _: Authorized) -> Accepted:
    job_id = request_analysis(batch_id=batch_id, brief=body.brief, scope=body.scope,
                              model_hint=body.model_hint, max_iterations=body.max_iterations,
                              analysers=body.analysers, settings=settings)
    response.headers["Location"] = f"/api/batches/{batch_id}"
    return Accepted(id=batch_id, status="queued", job_id=job_id)


@router.get("/analyses/{analysis_id}", response_model=AnalysisPublic)
def analysis(analysis_id: str, settings: SettingsDep, _: Authorized) -> AnalysisPublic:
    return get_analysis(analysis_id, settings=settings)
