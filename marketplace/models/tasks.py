"""Long work done by a background job that someone waits for: its state, progress and result."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.stores import Store

TASK_KINDS = ("product_import", "programme_refresh", "payouts_export")
TASK_STATES = ("queued", "running", "done", "failed")


class BackgroundTask(db.Model):
    """One run of a job a person started (a CSV import, a summary refresh, a payouts list).

    The job moves it queued -> running -> done | failed; `done` and `failed` are final, so a
    retried job that finds its task finished does nothing (idempotent by task id).
    """

    __tablename__ = "background_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    #: Units done so far out of `total` (rows checked, for an import); None when not counted.
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    #: What the job was asked (a payouts list's threshold) and what the person sees when it
    #: ends: counts, or the message and per-row problems.
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The private-storage key of the uploaded file the job reads (removed once read), or of
    #: the file it wrote (a payouts list, kept PAYOUTS_FILE_DAYS).
    file_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    store: Mapped[Store | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"kind IN {TASK_KINDS}", name="kind_known"),
        CheckConstraint(f"state IN {TASK_STATES}", name="state_known"),
        Index("ix_background_tasks_kind_state", "kind", "state"),
    )

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
