"""A background task's life, shared by the jobs people wait for (a CSV import, a summary
refresh, a payouts list): created with the caller's transaction, queued when it commits,
claimed by its job, and locked for the final write, so a retried or duplicate job finds it
finished and does nothing."""

from sqlalchemy import Select, select

from marketplace import jobs
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.models import BackgroundTask, User


def create(kind: str, user: User, **fields) -> BackgroundTask:
    """A new queued task of `kind` for `user`, flushed so it has its id."""
    task = BackgroundTask(kind=kind, user_id=user.id, **{"result": {}, **fields})
    db.session.add(task)
    db.session.flush()
    return task


def enqueue(job: str, task: BackgroundTask) -> None:
    """Queue the task's job when the caller commits; one job per task (a second queueing is a
    no-op while the first waits or runs, and revives a task whose job was lost)."""
    jobs.enqueue_after_commit(job, key=f"{task.kind.replace('_', '-')}-{task.id}",
                              task_id=task.id)


def unfinished(kind: str) -> Select:
    """Tasks of `kind` still queued or running, newest first."""
    return (select(BackgroundTask)
            .where(BackgroundTask.kind == kind, BackgroundTask.state.in_(("queued", "running")))
            .order_by(BackgroundTask.id.desc()))


def locked(task_id: int) -> BackgroundTask | None:
    """The task, its row locked until the transaction ends (None if there is no such task)."""
    return db.session.scalar(select(BackgroundTask).where(BackgroundTask.id == task_id)
                             .with_for_update())


def claim(task_id: int) -> BackgroundTask | None:
    """Mark the task running for the job that picked it up, committed at once so its page
    shows it; None when it is gone or finished (a retried or duplicate job stops there)."""
    with write_intent():
        task = locked(task_id)
        if task is None or task.finished:
            return None
        task.state, task.started_at = "running", utcnow()
        db.session.commit()
    return task
