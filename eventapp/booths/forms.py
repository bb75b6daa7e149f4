from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from eventapp.booths.models import Booth
from eventapp.core.forms import ChoiceField, IntegerField, storable_moment
from eventapp.core.i18n import lazy_gettext as _l

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class FloorPlanImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "txt", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
        description=_l("Columns: booth, hall, zone, x, y, w, h, corner, tier."),
    )


# InputRequired, not DataRequired: a 0 typed is a number out of range, which the page
# should say, not "This field is required".
class SettingsForm(FlaskForm):
    picking_opens_at = DateTimeLocalField(
        _l("Picking opens (%(zone)s)"),
        format=DATETIME_FORMAT,
        validators=[Optional(), storable_moment],
    )
    priority_opens_at = DateTimeLocalField(
        _l("Picking opens for priority tier 1 (%(zone)s)"),
        format=DATETIME_FORMAT,
        validators=[Optional(), storable_moment],
        description=_l("Optional; sponsors may start earlier than everybody else."),
    )
    picking_closes_at = DateTimeLocalField(
        _l("Picking closes (%(zone)s)"),
        format=DATETIME_FORMAT,
        validators=[Optional(), storable_moment],
    )
    hold_minutes = IntegerField(
        _l("Hold lasts (minutes)"), validators=[InputRequired(), NumberRange(1, 1440)]
    )
    assigner_time_limit = IntegerField(
        _l("Assigner time limit (seconds)"), validators=[InputRequired(), NumberRange(1, 600)]
    )

    def __init__(self, *args, zone, **kwargs):
        """`zone`: the event's time zone, in which the times are typed and shown."""
        super().__init__(*args, **kwargs)
        for moment in (self.picking_opens_at, self.priority_opens_at, self.picking_closes_at):
            moment.label.text = moment.label.text % {"zone": zone}


class BoothActionForm(FlaskForm):
    """Organizer actions on selected booths: place or move an exhibitor, block, unblock."""

    booths = StringField(
        _l("Booths"),
        id="org-booth-codes",
        description=_l("Codes separated by spaces or commas."),
        render_kw={"data-fp-selection": "", "class": "booth-codes", "autocomplete": "off"},
    )
    exhibitor = ChoiceField(
        _l("Exhibitor"), id="org-exhibitor", coerce=int, validate_choice=False, default=0
    )
    reason = StringField(
        _l("Reason for blocking"),
        id="block-reason",
        validators=[Optional()],
        render_kw={"maxlength": Booth.blocked_reason.type.length},
    )


class SwapForm(FlaskForm):
    first = ChoiceField(_l("Exhibitor"), id="swap-first", coerce=int, validate_choice=False)
    second = ChoiceField(_l("Swap with"), id="swap-second", coerce=int, validate_choice=False)


class PlaceRestForm(FlaskForm):
    time_limit = IntegerField(
        _l("Time limit (seconds)"), validators=[InputRequired(), NumberRange(1, 600)]
    )
