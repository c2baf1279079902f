"""How the dashboard's download and analysis bars read the work under way (pure)."""

from __future__ import annotations

from editron.services.card_progress import analysis_percent, ingest_percent


def test_ingest_is_transfer_then_files() -> None:
    assert ingest_percent(staged=0.0) == 0.0
    assert ingest_percent(staged=0.5) == 25.0
    assert ingest_percent(staged=2.0) == 50.0  # a transfer never claims more than its half
    assert ingest_percent(file_index=1, file_count=4) == 50.0
    assert ingest_percent(file_index=3, file_count=4) == 75.0


def test_analysis_is_its_passes_in_turn() -> None:
    assert analysis_percent("pass 1: cam1.mp4", 0.5, 2) == 25.0
    assert analysis_percent("pass 2: cam1.mp4", 0.5, 2) == 75.0
    assert analysis_percent("pass 3: refining moment boundaries", 1.0, 3) == 100.0
    assert analysis_percent("pass 3: refining", 1.0, 2) == 100.0  # never past the passes asked
    assert analysis_percent("sync: placing the files on the event clock", 1.0, 3) is None
