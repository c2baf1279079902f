"""/api/batches: ingest (202, runs on the queue), list, get; analyses of a batch; its event
clock (sync)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from editron.api.deps import Operator, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.services.analyze import AnalysisPublic, get_analysis, request_analysis
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.requests import AnalysisRequest, IngestRequest, SyncRequest
from editron.services.schemas import BatchPublic, documented
from editron.services.sync import batch_sync, set_sync_offsets

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["batches"])


class Accepted(BaseModel):
    """Work accepted onto the queue: the thing it makes or changes, and the queue job."""

    model_config = documented({"id": "7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10",
                               "status": "queued",
                               "job_id": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"})

    id: str
    status: str
    job_id: str | None = None


class BatchList(BaseModel):
    model_config = documented({"items": [BatchPublic.model_json_schema()["examples"][0]],
                               "limit": 50, "offset": 0})

    items: list[BatchPublic]
    limit: int
    offset: int


_BATCH = "/api/batches/{batch_id}"
_OF_BATCH = {"GetBatch": link(_BATCH, batch_id="$response.body#/id"),
             "ListFiles": link(f"{_BATCH}/files", batch_id="$response.body#/id"),
             "GetSync": link(f"{_BATCH}/sync", batch_id="$response.body#/id"),
             "ListEditSessions": link(f"{_BATCH}/edit-sessions",
                                      batch_id="$response.body#/id")}
_FROM_PATH = {"ListFiles": link(f"{_BATCH}/files", batch_id="$request.path.batch_id"),
              "GetSync": link(f"{_BATCH}/sync", batch_id="$request.path.batch_id"),
              "ListEditSessions": link(f"{_BATCH}/edit-sessions",
                                       batch_id="$request.path.batch_id"),
              "Analyse": link(f"{_BATCH}/analyses", "post",
                              batch_id="$request.path.batch_id"),
              "CreateEditSession": link(f"{_BATCH}/edit-sessions", "post",
                                        batch_id="$request.path.batch_id")}


@router.post("/batches", status_code=202, response_model=Accepted,
             responses=follows(202, **_OF_BATCH,
                               Analyse=link(f"{_BATCH}/analyses", "post",
                                            batch_id="$response.body#/id")))
def create_batch(body: IngestRequest, response: Response, settings: SettingsDep,
                 _: Operator) -> Accepted:
    """Start ingesting a batch from an http(s) URL or a Dropbox shared link; the ingest runs on
    the queue. Location is the batch, whose status goes queued, downloading, ready."""
    batch = ingest_media_batch(source_url=body.source_url, reference_name=body.reference_name,
                               storage_tier=body.storage_tier,
                               checksum_required=body.checksum_required,
                               project_id=body.project_id, settings=settings, defer=True,
                               remote=True)
    response.headers["Location"] = f"/api/batches/{batch.batch_id}"
    return Accepted(id=batch.batch_id, status=batch.status)


@router.get("/batches", response_model=BatchList, responses=follows(
    200, GetBatch=link(_BATCH, batch_id="$response.body#/items/0/batch_id")))
def batches(settings: SettingsDep, _: Reader,
            status: Annotated[str | None, Query(pattern="^(queued|downloading|ready|analyzing|"
                                                        "analyzed|failed)$")] = None,
            project_id: str | None = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 50,
            offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> BatchList:
    """Batches, newest first, a page at a time, filtered by status or project."""
    items = list_batches(settings=settings, status=status, project_id=project_id, limit=limit,
                         offset=offset)
    return BatchList(items=items, limit=limit, offset=offset)


@router.get("/batches/{batch_id}", response_model=BatchPublic,
            responses=follows(200, **_FROM_PATH))
def batch(batch_id: str, settings: SettingsDep, _: Reader) -> BatchPublic:
    """One batch: status, files, errors, duplicates and skipped files."""
    return get_batch(batch_id, settings=settings)


@router.post("/batches/{batch_id}/analyses", status_code=202, response_model=Accepted,
             responses=follows(202, GetBatch=link(_BATCH, batch_id="$request.path.batch_id")))
def analyse(batch_id: str, body: AnalysisRequest, response: Response, settings: SettingsDep,
            _: Operator) -> Accepted:
    """Queue the analysis of a ready batch; Location is the batch, which becomes analyzed."""
    job_id = request_analysis(batch_id=batch_id, brief=body.brief, scope=body.scope,
                              model_hint=body.model_hint, max_iterations=body.max_iterations,
                              analysers=body.analysers, language=body.language,
                              settings=settings)
    response.headers["Location"] = f"/api/batches/{batch_id}"
    return Accepted(id=batch_id, status="queued", job_id=job_id)


@router.get("/analyses/{analysis_id}", response_model=AnalysisPublic)
def analysis(analysis_id: str, settings: SettingsDep, _: Reader) -> AnalysisPublic:
    """One analysis: shots, transcript, energy, hero and sponsor moments, deliverable targets."""
    return get_analysis(analysis_id, settings=settings)


class SyncPublic(BaseModel):
    model_config = documented({"batch_id": "7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10", "sync": [
        {"file_id": "f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b", "event_offset": 12.48,
         "confidence": 0.93, "drift_ppm": 1.2, "group": 0, "method": "audio",
         "reason": "its sound matches the main camera's", "detail": ""}]})

    batch_id: str
    sync: list[dict[str, Any]]


@router.get("/batches/{batch_id}/sync", response_model=SyncPublic)
def sync(batch_id: str, settings: SettingsDep, _: Reader) -> SyncPublic:
    """Where each file of the batch sits on the event clock (null for a file that shares no
    sound), and whether it was placed by sound, by timecode or by hand."""
    return SyncPublic(batch_id=batch_id, sync=batch_sync(batch_id, settings=settings))


@router.post("/batches/{batch_id}/sync", response_model=SyncPublic)
def place(batch_id: str, body: SyncRequest, settings: SettingsDep, _: Operator
          ) -> SyncPublic:
    """Place files on the event clock by hand (kept by later analyses)."""
    return SyncPublic(batch_id=batch_id, sync=set_sync_offsets(batch_id, body,
                                                               settings=settings))
