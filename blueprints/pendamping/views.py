"""Views of the facilitator workspace at /pendamping/."""

from functools import wraps

from flask import abort, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.common import submit, template_page
from blueprints.pendamping import bp
from blueprints.pendamping import training as training_pages
from blueprints.pendamping.forms import ActionForm, OpenStoreForForm, RegisterEntrepreneurForm
from blueprints.vendor.acting import ACTING_KEY
from marketplace.extensions import db
from marketplace.regions import province_name
from marketplace.services import programme


def facilitator_required(view):
    """Signed in as a facilitator; anyone else gets a 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_facilitator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@facilitator_required
def index():
    """The caseload, neediest first, with what each entrepreneur needs help with now."""
    profile = programme.require_facilitator(current_user)
    return render_template("pendamping/index.html", cases=programme.caseload(current_user),
                           profile=profile, region=province_name(profile.province_code),
                           needs=programme.NEEDS, months_required=programme.DEFAULT_MONTHS,
                           form=ActionForm())


@bp.route("/daftar", methods=["GET", "POST"])
@facilitator_required
def register():
    """Register an entrepreneur who has a phone number but no email."""
    form = RegisterEntrepreneurForm()
    return submit(form, lambda: programme.register_entrepreneur(
                      current_user, name=form.name.data, phone=form.phone.data,
                      consent=form.consent.data),
                  done=lambda user: _("%(name)s is registered. Give her a code to set her "
                                      "password.", name=user.name),
                  next_url=url_for("pendamping.index"),
                  page=template_page("pendamping/register.html", form=form))


@bp.route("/kasus/<int:user_id>/toko", methods=["GET", "POST"])
@facilitator_required
def open_store(user_id: int):
    """Open her store for her, with her consent; the payout account is left to her."""
    case = programme.case_for(current_user, user_id)
    form = OpenStoreForForm()
    return submit(form, lambda: programme.open_store_for(current_user, user_id, **form.values()),
                  done=_("The store is registered; staff will check it."),
                  next_url=url_for("pendamping.index"),
                  page=template_page("pendamping/open_store.html", form=form, case=case))


@bp.post("/kasus/<int:user_id>/kode")
@facilitator_required
def setup_code(user_id: int):
    """A one-time code for her to set her password: shown once, to print or send by WhatsApp."""
    if not ActionForm().validate_on_submit():
        abort(400)
    user, code = programme.issue_setup_code(current_user, user_id)
    db.session.commit()
    link = url_for("auth.activate", hp=user.phone, kode=code, _external=True)
    message = _("Pasar Mandiri: set your password at %(link)s (code %(code)s).", link=link,
                code=code)
    return render_template("pendamping/code.html", user=user, code=code, link=link,
                           whatsapp=programme.whatsapp_link(user.phone, message))


@bp.post("/kasus/<int:user_id>/bantu")
@facilitator_required
def act_for(user_id: int):
    """Start working on her store (only while she consents)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    session[ACTING_KEY] = programme.store_for_case(current_user, user_id).id
    return redirect(url_for("vendor.dashboard"))


@bp.post("/selesai")
@login_required
def stop_acting():
    """Stop working on a store and go back to the caseload."""
    if ActionForm().validate_on_submit():
        session.pop(ACTING_KEY, None)
    return redirect(url_for("pendamping.index") if current_user.is_facilitator else "/")


training_pages.add_routes(bp, facilitator_required, "pelatihan")
