"""The requests every front end makes, one model each: the HTTP API takes them as bodies, the
MCP tools take the same fields under the same names, and the CLI's options are named after
them. Names come from the registries (``vocabulary``), so a plugin's deliverable, format or
destination is accepted and documented everywhere at once."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from editron.domain.languages import DETECT
from editron.services.vocabulary import (
    AnalyserName,
    DeliverableName,
    DestinationText,
    ProfileName,
    RatioName,
    RenderFormatName,
    SpokenLanguageName,
    StyleName,
)

__all__ = ["AnalysisRequest", "CommentRequest", "EditRequest", "FeedbackRequest", "IngestRequest",
           "RenderRequest", "SyncRequest", "Tier"]

Tier = Literal["hot", "warm", "cold"]
Timecode = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}:\d{2}[:;]\d{2,3}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestRequest(_Request):
    """Bring a batch of footage in (``editron ingest``, ``POST /api/batches``)."""

    source_url: str = Field(
        min_length=1, max_length=4096,
        examples=["https://www.dropbox.com/scl/fo/abc/event?rlkey=k&dl=0"],
        description="A Dropbox shared link, an http(s) URL, or (CLI, or over the network "
                    "inside EDITRON_IMPORT_ROOTS) a local folder, file or file:// URL.")
    reference_name: str | None = Field(default=None, max_length=300,
                                       examples=["Aurora Summit day 1"],
                                       description="A name for the batch; default: the "
                                                   "source's own name.")
    storage_tier: Tier = Field(default="hot", examples=["warm"],
        description="hot keeps originals and proxies; "
                    "warm keeps originals; cold leaves originals at the source.")
    checksum_required: bool = Field(default=True, examples=[True],
        description="SHA-256 every file.")
    project_id: str | None = Field(default=None, examples=["4f1c9a2e"],
                                   description="The client project the batch belongs to.")


class AnalysisRequest(_Request):
    """Analyse a ready batch (``editron analyze``, ``POST /api/batches/{id}/analyses``)."""

    brief: str | dict[str, Any] | None = Field(
        default=None, examples=["Sponsors: Northwind Energy\ntone: upbeat"],
        description="Free text, 'key: value' lines, or the brief as JSON.")
    scope: list[DeliverableName] | None = Field(
        default=None, examples=[["recap", "social"]],
        description="The deliverables to plan for; default: every registered one.")
    model_hint: Literal["fast", "accurate"] | None = Field(
        default=None, examples=["fast"],
        description="accurate: TransNetV2 checks the fast shot detector's unsure calls (the "
                    "ml extra).")
    max_iterations: int = Field(default=3, ge=1, le=3, examples=[3],
                                description="Analysis passes: 1 decode, 2 spool, 3 refine.")
    analysers: list[AnalyserName] | None = Field(
        default=None, examples=[["shots_fast", "audio_energy", "crowd"]],
        description="Run only these analysers; default: every registered one.")
    language: SpokenLanguageName = Field(
        default=DETECT, examples=["es"],
        description="The language of the speech: detect (each file's is found and stored), "
                    "or an ISO 639-1 code Whisper knows (en, es, de, ja, ar, he...). en uses "
                    "the bundled tiny.en, anything else the bundled multilingual base (or "
                    "EDITRON_WHISPER_MODEL_PATH).")


class EditRequest(_Request):
    """Assemble an edit session (``editron edit``,
    ``POST /api/batches/{id}/edit-sessions``)."""

    deliverable_type: DeliverableName = Field(examples=["recap"])
    aspect_ratios: list[RatioName] | None = Field(
        default=None, min_length=1, max_length=3, examples=[["16:9", "9:16"]],
        description="Default: 16:9, 9:16 and 1:1.")
    reference_style: StyleName | None = Field(default=None, examples=["energetic"],
                                              description="The style preset.")
    include_captions: bool | None = Field(default=None, examples=[True],
        description="Default: what the "
                    "project learned from feedback, else on.")
    imovie_project: str | None = Field(default=None, max_length=200,
                                       examples=["Aurora Summit recap"],
                                       description="Project name in the exported timelines.")
    variants: int | None = Field(default=None, ge=1, le=10, examples=[3])
    duration: float | None = Field(default=None, ge=1, le=600, examples=[45],
                                   description="Seconds; default: the deliverable's length.")
    start_tc: Timecode | None = Field(default=None, examples=["01:00:00:00"],
                                      description="Record timecode of the first frame.")
    previews: bool = Field(default=True, examples=[True],
        description="Render a small review preview of "
                    "each timeline once it is assembled.")


class RenderRequest(_Request):
    """Render an edit session's deliverables (``editron render``,
    ``POST /api/edit-sessions/{id}/renders``)."""

    formats: list[RenderFormatName] = Field(default=["mp4"], min_length=1, max_length=3,
                                            examples=[["mp4"]])
    destinations: list[DestinationText] = Field(
        default_factory=list, max_length=10, examples=[["dropbox:/Events/Aurora", "gala"]])
    priority: Literal["low", "standard", "rush"] = Field(default="standard",
                                                         examples=["rush"])
    profile: ProfileName | None = Field(default=None, examples=["preview"],
                                        description="Default: by aspect ratio and format.")
    aspect_ratios: list[RatioName] | None = Field(
        default=None, min_length=1, max_length=3, examples=[["9:16"]],
        description="Render only these timelines; default: every one.")
    force: bool = Field(default=False, examples=[False],
        description="Render again even while this session's "
                    "earlier renders are still queued or running.")
    no_review: bool = Field(default=False, examples=[False],
        description="Render a session nobody approved "
                    "(the project's auto-approve setting does the same for all).")


class SyncRequest(_Request):
    """Place files on the event clock by hand (``editron sync``): each file id (or a unique
    prefix, or its file name) to the event seconds where its first sample sits. Kept by every
    later analysis of the batch; the next edit follows it."""

    offsets: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)],
                  Annotated[float, Field(ge=-86_400, le=86_400, allow_inf_nan=False)]] = Field(
        default_factory=dict, examples=[{"3f2a9c1e": 12.48}])


class CommentRequest(_Request):
    at: str = Field(min_length=1, max_length=20, examples=["00:12.4"],
                    description="A time of the deliverable: seconds, MM:SS.s or H:MM:SS.s.")
    text: str = Field(min_length=1, max_length=2000, examples=["too dark"])


class FeedbackRequest(_Request):
    """A review of an edit session (``editron feedback``,
    ``POST /api/edit-sessions/{id}/feedback``). ``changes`` and ``reject`` make a new
    revision with the review applied; ``approve`` lets the session be rendered."""

    decision: Literal["approve", "changes", "reject"] = Field(examples=["changes"])
    notes: str | None = Field(default=None, max_length=10_000,
                              examples=["Too slow, drop the speech at 0:12, no music."],
                              description="Free text; what is understood is echoed back.")
    adjust: list[str] = Field(
        default_factory=list, max_length=20, examples=[["pace=faster", "duration=45"]],
        description="key=value: pace (faster, slower, faster:2 or a factor), duration (s), "
                    "ratios (16:9,9:16), captions (on/off), caption_style (standard, "
                    "karaoke), style (a preset), music (on/off), transitions (cut, "
                    "crossfade, dip_to_black).")
    drop: list[str] = Field(default_factory=list, max_length=50, examples=[["hm-3fa2c1d0"]],
                            description="Moments never to show again: a hero moment's id or "
                                        "FILE_ID@START-END in seconds of that file.")
    keep: list[str] = Field(default_factory=list, max_length=50,
                            examples=[["f1a2b3c4@12.0-15.5"]],
                            description="Moments to always include when they fit.")
    comments: list[CommentRequest] = Field(default_factory=list, max_length=100,
                                           examples=[[{"at": "00:12.4", "text": "too dark"}]],
                                           description="Notes at times of the deliverable.")
