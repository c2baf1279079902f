"""Render: ffmpeg graphs from timelines, profiles, QC of the files, and delivery."""
