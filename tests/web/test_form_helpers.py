"""The one shape of a form view (blueprints.common.submit and act): a service's refusal rolls
back before the page is shown again with 422; only a success commits, flashes and redirects."""

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from blueprints.common import act, submit
from blueprints.forms import Form
from marketplace.errors import ValidationError
from marketplace.models import Category


class SlugForm(Form):
    slug = StringField(validators=[DataRequired()])


def _add_category(slug: str, db) -> Category:
    category = Category(slug=slug, name_id="Keripik", name_en="Crisps")
    db.session.add(category)
    db.session.flush()
    return category


def _refuse_after_writing(db):
    _add_category("half-written", db)
    raise ValidationError("Alamat ini sudah dipakai.", field="slug")


def _categories(db) -> int:
    return db.session.scalar(select(func.count(Category.id)))


def _page(status):
    return "the form again", status


def test_a_refused_submission_rolls_back_and_shows_the_form_with_422(app, db):
    with app.test_request_context(method="POST", data={"slug": "keripik"}):
        form = SlugForm()
        answer = submit(form, lambda: _refuse_after_writing(db), done="Tersimpan.",
                        next_url="/done", page=_page)
        assert answer == ("the form again", 422)
        assert form.slug.errors == ["Alamat ini sudah dipakai."]
        assert get_flashed_messages() == []
    assert _categories(db) == 0


def test_a_good_submission_commits_flashes_and_redirects_by_its_result(app, db):
    with app.test_request_context(method="POST", data={"slug": "keripik"}):
        form = SlugForm()
        answer = submit(form, lambda: _add_category(form.slug.data, db),
                        done=lambda category: f"{category.slug} tersimpan.",
                        next_url=lambda category: f"/kategori/{category.slug}", page=_page)
        assert (answer.status_code, answer.location) == (302, "/kategori/keripik")
        assert get_flashed_messages(with_categories=True) == [("success", "keripik tersimpan.")]
    db.session.rollback()  # what was committed stays
    assert _categories(db) == 1


@pytest.mark.parametrize(("method", "data", "status"), [
    ("GET", {}, 200),
    ("POST", {"slug": ""}, 422),
])
def test_a_form_shown_or_not_valid_never_reaches_the_service(app, db, method, data, status):
    with app.test_request_context(method=method, data=data):
        answer = submit(SlugForm(), lambda: pytest.fail("the service ran"), done="Tersimpan.",
                        next_url="/done", page=_page)
    assert answer == ("the form again", status)


def test_a_refused_button_rolls_back_and_goes_back_with_the_reason(app, db):
    with app.test_request_context(method="POST"):
        answer = act(lambda: _refuse_after_writing(db), done="Selesai.", next_url="/done",
                     failed_url="/back", failed_status=303)
        assert (answer.status_code, answer.location) == (303, "/back")
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Alamat ini sudah dipakai.")]
    assert _categories(db) == 0
