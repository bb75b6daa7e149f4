from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from eventapp.badges.models import CATEGORIES, REVOKE_REASON_MAX
from eventapp.core.forms import ChoiceField, select_choices
from eventapp.core.i18n import lazy_gettext as _l


def category_choices(blank=None):
    ordered = sorted(CATEGORIES.values(), key=lambda c: c.order)
    return select_choices(
        ([("", blank)] if blank is not None else []) + [(c.key, c.label) for c in ordered]
    )


class BadgeFilterForm(FlaskForm):
    """The organizer's list and batch print filters (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, e-mail or badge number"), validators=[Optional(), Length(max=100)])
    category = ChoiceField(_l("Category"), validators=[Optional()], default="")
    company = ChoiceField(_l("Company"), validators=[Optional()], default="")

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(blank=_l("All categories"))
        self.company.choices = select_choices(
            [("", _l("All companies"))] + [(str(org.id), org.name) for org in companies]
        )


class CategoryForm(FlaskForm):
    category = ChoiceField(_l("Category"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(blank=_l("Follow the person's roles"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=REVOKE_REASON_MAX)])


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
