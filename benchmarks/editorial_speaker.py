"""The two-speaker event of ``editorial_story.py`` (issue 22, points 3 and 7): the person
speaking, framed, measured through the real lane.

Two copies of a face photograph side by side, 320 px apart in a 640x360 frame (too far for one
9:16 or 1:1 window), six espeak-ng lines taking turns, the speaking face's mouth moving with
the voice and the other still (``tests.speaker_fixtures``). Ingested, analysed (speech with the
bundled model, faces tracked) and edited as recap, highlight and social in 9:16 and 1:1 by the
lane's service functions. Measured against the truth (who says which word, where each face
is), not the product's own analysis: the spoken frames whose window holds the speaker's eyes
and mouth with no letterbox, the share of clips letterboxed, the speaker switches closer
than 3 s, and the largest per-frame move the sessions report.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from tests.speaker_fixtures import FACES, SpeakerClip, make_speaker_clip, speaker_at

from editron.config import Settings
from editron.domain.timeline import Clip, Timeline
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits, session_timelines
from editron.services.ingest import ingest_media_batch

__all__ = ["LINES", "SECONDS", "speaker_framing"]

SECONDS = 40.0
LINES: tuple[tuple[float, int, str], ...] = (
    (1.0, 0, "Good evening and welcome to the Aurora launch."),
    (7.0, 1, "Thank you, it is a pleasure to be here tonight."),
    (13.5, 0, "Tell us how the idea started."),
    (19.0, 1, "We built the first version in a garage."),
    (25.5, 0, "And what comes next for the team?"),
    (31.0, 1, "Next year we ship to every customer."),
)
RATIOS = ("9:16", "1:1")
SWITCH_SECONDS = 3.0


def _window(clip: Clip, frame: int) -> tuple[float, float, float, float]:
    keys = sorted(clip.crop, key=lambda k: k.frame)
    for a, b in itertools.pairwise(keys):
        if a.frame <= frame <= b.frame:
            f = (frame - a.frame) / max(1, b.frame - a.frame)
            return a.x + f * (b.x - a.x), a.y + f * (b.y - a.y), a.w, a.h
    k = keys[0] if frame <= keys[0].frame else keys[-1]
    return k.x, k.y, k.w, k.h


def _holds(win: tuple[float, float, float, float], who: int) -> bool:
    fx, fy, fw, fh = FACES[who]
    x, y, w, h = win
    return x <= fx + 0.2 * fw and fx + 0.8 * fw <= x + w and y <= fy + 0.3 * fh \
        and fy + 0.85 * fh <= y + h


def _on(clip: Clip, frame: int) -> int:
    x, _, w, _ = _window(clip, frame)
    return min((0, 1), key=lambda k: abs(x + w / 2 - FACES[k][0] - FACES[k][2] / 2))


def _measure(truth: SpeakerClip, timelines: list[Timeline]) -> dict[str, Any]:
    spoken = inside = clips = padded = close = 0
    biggest = 0.0
    for tl in timelines:
        for clip in tl.clips:
            clips += 1
            padded += clip.pad_blur
            biggest = max(biggest, clip.max_crop_step)
            changes = [f for f in range(1, clip.duration)
                       if clip.crop and _on(clip, f) != _on(clip, f - 1)]
            close += sum(1 for a, b in itertools.pairwise([0, *changes])
                         if b - a < SWITCH_SECONDS * tl.rate.fps and (a or b))
            for f in range(clip.duration):
                who = speaker_at(truth, (clip.source_start + f) / tl.rate.fps)
                if who is None:
                    continue
                spoken += 1
                inside += not clip.pad_blur and bool(clip.crop) and _holds(_window(clip, f), who)
    rate = inside / max(1, spoken)
    share = padded / max(1, clips)
    return {"speaker_in_crop_rate": round(rate, 3), "spoken_frames": spoken,
            "target": 0.9, "met": spoken > 0 and rate >= 0.9,
            "letterboxed_share": round(share, 3), "letterboxed": f"{padded}/{clips}",
            "switches_closer_than_3s": close, "switches_target": 0, "switches_met": close == 0,
            "max_step_px": round(biggest, 2)}


def speaker_framing(root: Path, settings: Settings) -> dict[str, Any]:
    """Make, ingest, analyse and edit the two-speaker event; its framing against the truth,
    per ratio."""
    folder = root / "speakers"
    folder.mkdir(parents=True)
    truth = make_speaker_clip(folder / "speakers.mp4", lines=LINES, seconds=SECONDS)
    parts = folder / "speakers-parts"
    parts.rename(root / "speakers-parts")  # only the footage is ingested
    batch = ingest_media_batch(source_url=str(folder), reference_name="speakers",
                               settings=settings)
    analyze_media_batch(batch_id=batch.batch_id, brief={"products": ["Aurora"]},
                        scope=["recap", "highlight", "social"], settings=settings)
    timelines: list[Timeline] = []
    for kind in ("recap", "highlight", "social"):
        session = generate_video_edits(batch_id=batch.batch_id, deliverable_type=kind,
                                       aspect_ratios=",".join(RATIOS), variants=1,
                                       settings=settings)
        timelines += session_timelines(session.session_id, settings=settings)[1]
    out = {ratio: _measure(truth, [t for t in timelines if t.aspect_ratio == ratio])
           for ratio in RATIOS}
    out["lines"] = len(LINES)
    out["seconds"] = SECONDS
    return out
