"""Staff area: background work that did not finish (undelivered email, failed jobs)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import staff_required
from blueprints.staff import bp
from marketplace.extensions import db
from marketplace.services import staff


@bp.route("/jobs")
@staff_required
def jobs():
    """Undelivered email with its last error, and jobs that failed every retry."""
    return render_template("staff/jobs.html", messages=staff.unsent_messages(current_user),
                           failed=staff.failed_jobs(current_user))


@bp.route("/jobs/requeue-mail", methods=["POST"])
@staff_required
def requeue_mail():
    """Queue every undelivered email again."""
    count = staff.requeue_unsent(current_user)
    db.session.commit()
    flash(_("%(count)d email(s) queued again.", count=count), "success")
    return redirect(url_for("staff.jobs"))
