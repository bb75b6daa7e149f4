from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventapp.checkin.models import DEVICE_HOURS_MAX, LEAD_RATINGS, SCAN_POINT_KINDS
from eventapp.core.forms import MultiCheckboxField, select_choices
from eventapp.core.i18n import lazy_gettext as _l


class ScanPointForm(FlaskForm):
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=select_choices(SCAN_POINT_KINDS))
    organization_id = SelectField(
        _l("Exhibitor company (booth lead points)"), coerce=int, validators=[Optional()]
    )
    entrance_group = StringField(
        _l("Entrance group"),
        default="main",
        validators=[Optional(), Length(max=40)],
        description=_l("Entrances of one group share the first check-in of the day."),
    )
    valid_days = MultiCheckboxField(
        _l("Valid days"), description=_l("None ticked: every fair day.")
    )
    allowed_categories = MultiCheckboxField(
        _l("Allowed badge categories"), description=_l("None ticked: every category.")
    )
    active = BooleanField(_l("Open for scanning"), default=True)

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.kind.data == "booth" and not self.organization_id.data:
            self.organization_id.errors.append(_l("Choose the exhibitor company."))
            return False
        return True


class DeviceForm(FlaskForm):
    label = StringField(_l("Device label"), validators=[Optional(), Length(max=100)])
    hours = IntegerField(
        _l("Valid for (hours)"),
        default=72,
        validators=[DataRequired(), NumberRange(1, DEVICE_HOURS_MAX)],
    )


class LeadForm(FlaskForm):
    rating = SelectField(
        _l("Rating"),
        choices=select_choices([("", _l("not rated")), *LEAD_RATINGS.items()]),
        validators=[Optional()],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class ContactSharingForm(FlaskForm):
    share_contact = BooleanField(
        _l("Share my e-mail, phone and job title with exhibitors who scan my badge")
    )
