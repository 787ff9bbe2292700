"""Staff page for the search's curated synonyms and variant spellings (keripik, kripik...)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.common import staff_required, submit
from blueprints.forms import Form
from blueprints.staff import bp
from blueprints.staff.forms import ActionForm
from marketplace.extensions import db
from marketplace.search import synonyms


class SynonymForm(Form):
    words = StringField(_l("Words that mean the same, separated by commas"),
                        description=_l("For example: keripik, kripik"),
                        validators=[DataRequired(), Length(max=400)])


@bp.route("/synonyms", methods=["GET", "POST"])
@staff_required
def search_synonyms():
    """The groups of words search treats as one; add a group."""
    form = SynonymForm()
    return submit(form, lambda: synonyms.add_synonym_group(current_user, form.words.data),
                  done=_("The words will be searched as one from now on."),
                  next_url=url_for("staff.search_synonyms"),
                  page=lambda status: (render_template(
                      "staff/synonyms.html", form=form, action_form=ActionForm(),
                      groups=synonyms.synonym_groups(current_user)), status))


@bp.post("/synonyms/<int:group_id>/delete")
@staff_required
def delete_search_synonym(group_id: int):
    """Remove a group of words from the search's list."""
    if not ActionForm().validate_on_submit():
        abort(400)
    synonyms.delete_synonym_group(current_user, group_id)
    db.session.commit()
    flash(_("The group has been removed."), "success")
    return redirect(url_for("staff.search_synonyms"))
