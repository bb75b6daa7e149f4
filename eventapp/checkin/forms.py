from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eventapp.checkin.models import (
    DEVICE_HOURS_MAX,
    DEVICE_LABEL_MAX,
    LEAD_NOTES_MAX,
    LEAD_RATINGS,
    SCAN_POINT_KINDS,
)
from eventapp.core.forms import (
    ChoiceField,
    IntegerField,
    MultiCheckboxField,
    one_kind_of_line_break,
    select_choices,
)
from eventapp.core.i18n import lazy_gettext as _l


class ScanPointForm(FlaskForm):
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=100)])
    kind = ChoiceField(_l("Kind"), choices=select_choices(SCAN_POINT_KINDS))
    organization_id = ChoiceField(
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
            if any(choice.value for choice in self.organization_id.choices):
                self.organization_id.errors.append(_l("Choose the exhibitor company."))
            else:
                # Nothing to choose from: the organizer must approve a company first.
                self.organization_id.errors.append(
                    _l("No company exhibits yet: a booth point is made for an approved exhibitor.")
                )
            return False
        return True


class DeviceForm(FlaskForm):
    label = StringField(_l("Device label"), validators=[Optional(), Length(max=DEVICE_LABEL_MAX)])
    hours = IntegerField(
        _l("Valid for (hours)"),
        default=72,
        validators=[InputRequired(), NumberRange(1, DEVICE_HOURS_MAX)],
    )


class LeadForm(FlaskForm):
    rating = ChoiceField(
        _l("Rating"),
        choices=select_choices([("", _l("not rated")), *LEAD_RATINGS.items()]),
        validators=[Optional()],
    )
    notes = TextAreaField(
        _l("Notes"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=LEAD_NOTES_MAX)],
    )
    # What the page showed, so that a save changes only what this person changed
    # and does not undo a colleague's edit made meanwhile (see services.update_lead).
    rating_was = HiddenField()
    notes_was = HiddenField(filters=[one_kind_of_line_break])


class ContactSharingForm(FlaskForm):
    share_contact = BooleanField(
        _l("Share my e-mail, phone and job title with exhibitors who scan my badge")
    )
