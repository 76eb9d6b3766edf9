from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from core.settings import CommonSettings


class Settings(CommonSettings):
    """History settings (env prefix ``HISTORY_``).

    The embedded broker keeps topics in memory only; ``jobmarket up`` archives every record (and every
    consumer group's committed offsets) to ``archive_path`` and puts them back when the broker comes up empty.
    """

    model_config = SettingsConfigDict(env_prefix="HISTORY_", env_file=".env", extra="ignore")

    enabled: bool = True
    file: Path | None = None  # HISTORY_FILE; default: JOBMARKET_DATA_DIR/history/history.db
    # Every topic of the stack: the registered ones and the workers' changelogs (jobmarket-worker-...).
    topic_regex: str = r"^jobmarket[.-]"
    # How often the consumer groups' committed offsets are copied (and once more at a clean stop).
    snapshot_interval_s: float = 2.0

    @property
    def archive_path(self) -> Path:
        return self.file or self.data_dir / "history" / "history.db"
