"""The batch size limit (``EDITRON_MAX_BATCH_BYTES``), one budget shared by every file a source
brings in: a local folder's files before any is copied, an archive's members as they are
extracted (what they expand to, not the archive's size), and a download as it arrives."""

from __future__ import annotations

from editron.errors import LimitExceededError

__all__ = ["BatchBudget", "over_batch_limit"]


def over_batch_limit(size: int, limit: int, source: str, *, so_far: bool = False
                     ) -> LimitExceededError:
    """The one refusal: the size, the limit, and what to do."""
    amount = f"at least {size}" if so_far else str(size)
    return LimitExceededError(
        f"{source}: {amount} bytes is more than the batch limit of {limit} bytes "
        "(EDITRON_MAX_BATCH_BYTES); split the source into smaller batches or raise the limit",
        path=source)


class BatchBudget:
    """Bytes one batch may still take in; ``spend`` raises once the total passes the limit."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit, self.source, self.used = limit, source, 0

    def spend(self, size: int, *, so_far: bool = False) -> None:
        self.used += size
        if self.used > self.limit:
            raise over_batch_limit(self.used, self.limit, self.source, so_far=so_far)
