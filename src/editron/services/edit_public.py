"""Edit sessions as callers see them (the ``editron edit --json`` document, in seconds), and
the request a session stores so it can be made again (``EditSpec``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from editron.db.models import EditSession
from editron.domain.feedback import Adjustments
from editron.domain.timeline import Timeline
from editron.services.schemas import documented

__all__ = ["EDIT_SPEC_VERSION", "EditSessionPublic", "EditSpec"]

EDIT_SPEC_VERSION = 1


class EditSpec(BaseModel):
    """What one session was asked for, stored on it (``edit_sessions.request``): the caller's
    options and the adjustments of every review in its line, so a revision starts from its
    parent's and ``editron edit --from`` makes it again."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = EDIT_SPEC_VERSION
    deliverable_type: str
    aspect_ratios: list[str]
    reference_style: str | None = None
    include_captions: bool | None = None
    imovie_project: str | None = None
    variants: int | None = None
    duration: float | None = None
    music_path: str | None = None
    start_tc: str | None = None
    previews: bool = False  # render the review previews once assembled
    adjustments: dict[str, Any] = Field(default_factory=dict)

    def explicit(self) -> Adjustments:
        """The options and the reviews' adjustments as one set (the options win: a review
        speaks first, an option given again later overrides it)."""
        asked = Adjustments.from_dict(self.adjustments)
        options = Adjustments(duration=self.duration, captions=self.include_captions,
                              style=self.reference_style)
        return asked.merge(options)


_FILE_ID = "f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b"
_FOLDER = "/srv/editron/media/batches/7d2c1e9a/edits/9a8b7c6d"
_SESSION = {
    "session_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "batch_id": "7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10",
    "analysis_id": "3c4d5e6f-7081-4923-a4b5-c6d7e8f90a1b", "status": "needsreview",
    "deliverable_type": "social", "aspect_ratios": ["9:16"], "variants": 1,
    "reference_style": "standard", "include_captions": True, "imovie_project": "Aurora",
    "timelines": [{"variant": 1, "aspect_ratio": "9:16", "width": 1080, "height": 1920,
                   "rate": "25", "duration": 14.0, "duration_frames": 350, "style": "standard",
                   "clips": [{"file_id": _FILE_ID, "source_start": 82.5, "source_end": 88.0,
                              "record_start": 0.0, "transition": "cut",
                              "crop": {"keyframes": [{"t": 0.0, "x": 656.0, "y": 0.0,
                                                      "w": 607.5, "h": 1080.0}],
                                       "pad_blur": True, "max_step_px": 4.0},
                              "why": ["chosen: score 0.87 = energy 0.52 + crowd 0.35"]}],
                   "captions": [{"start": 0.4, "end": 2.1, "text": "Welcome to Aurora"}],
                   "reframe": {"max_step_px": 4.0, "letterboxed": 1, "clips": 1}}],
    "exports": {"folder": _FOLDER, "files": [{"format": "fcpxml", "variant": 1,
                                              "aspect_ratio": "9:16",
                                              "path": f"{_FOLDER}/social_9x16.fcpxml"}],
                "errors": []},
    "preview_paths": {"9:16": "batches/7d2c1e9a/edits/9a8b7c6d/previews/preview_9x16.mp4"},
    "last_error": "9:16 preview: ffmpeg exited 1 (the cut itself is ready)",
    "parent_id": "1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9", "revision": 2,
    "applied_preferences": [{"key": "pace", "value": 1.25,
                             "because": "the project's reviews asked faster 3 times"}],
    "created_at": "2026-05-14T19:00:00Z",
}


class EditSessionPublic(BaseModel):
    """The ``editron edit --json`` document (DESIGN.md CLI contract)."""

    model_config = documented(_SESSION)

    session_id: str
    batch_id: str
    analysis_id: str | None
    status: str
    deliverable_type: str
    aspect_ratios: list[str]
    variants: int
    reference_style: str | None
    include_captions: bool
    imovie_project: str | None
    timelines: list[dict[str, Any]]
    exports: dict[str, Any]
    preview_paths: dict[str, Any]
    last_error: str | None
    parent_id: str | None = None
    revision: int = 1
    applied_preferences: list[dict[str, Any]] = Field(
        default_factory=list, description="Every preference that shaped this cut, with why, "
        "and the notes on the brief's promises (the hook, the length, the variants; key "
        "'note'): "
        "[{key, value, because}]")
    created_at: str = ""

    @classmethod
    def of(cls, row: EditSession) -> EditSessionPublic:
        return cls(session_id=row.id, batch_id=row.batch_id, analysis_id=row.analysis_id,
                   status=row.status, deliverable_type=row.deliverable_type,
                   aspect_ratios=list(row.aspect_ratios), variants=row.variants,
                   reference_style=row.reference_style,
                   include_captions=row.include_captions, imovie_project=row.imovie_project,
                   timelines=[_timeline_summary(Timeline.from_dict(t)) for t in row.timelines],
                   exports=dict(row.exports), preview_paths=dict(row.preview_paths),
                   last_error=row.last_error, parent_id=row.parent_id, revision=row.revision,
                   applied_preferences=list(row.applied_preferences),
                   created_at=row.created_at)


def _timeline_summary(tl: Timeline) -> dict[str, Any]:
    """Seconds for people and scripts; the frame-exact document stays in the database."""
    rate = tl.rate

    def crop(c: Any) -> dict[str, Any]:
        return {"keyframes": [{"t": round(rate.seconds(k.frame), 3), "x": round(k.x, 1),
                               "y": round(k.y, 1), "w": round(k.w, 1), "h": round(k.h, 1)}
                              for k in c.crop],
                "pad_blur": c.pad_blur, "max_step_px": round(c.max_crop_step, 2)}

    return {
        "variant": tl.variant, "aspect_ratio": tl.aspect_ratio, "width": tl.width,
        "height": tl.height, "rate": str(rate), "duration": round(tl.duration, 3),
        "duration_frames": tl.duration_frames, "style": tl.style,
        "clips": [{"file_id": c.file_id, "source_start": round(rate.seconds(c.source_start), 3),
                   "source_end": round(rate.seconds(c.source_end), 3),
                   "record_start": round(rate.seconds(c.record_start), 3),
                   "transition": c.transition_in.kind, "crop": crop(c), "why": list(c.why)}
                  for c in tl.clips],
        "captions": [{"start": round(rate.seconds(c.start), 3),
                      "end": round(rate.seconds(c.end), 3), "text": c.text}
                     for c in tl.captions],
        # the reframe at a glance: the largest per-frame move of any clip's window, and how
        # many clips fell back to the letterbox (the whole frame over a blurred copy)
        "reframe": {"max_step_px": round(max((c.max_crop_step for c in tl.clips),
                                             default=0.0), 2),
                    "letterboxed": sum(1 for c in tl.clips if c.pad_blur),
                    "clips": len(tl.clips)},
    }
