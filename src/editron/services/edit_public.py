"""Edit sessions as callers see them (the ``editron edit --json`` document, in seconds), and
the request a session stores so it can be made again (``EditSpec``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from editron.db.models import EditSession
from editron.domain.feedback import Adjustments
from editron.domain.timeline import Timeline

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


class EditSessionPublic(BaseModel):
    """The ``editron edit --json`` document (DESIGN.md CLI contract)."""

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
    }
