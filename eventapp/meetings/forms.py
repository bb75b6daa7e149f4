from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from eventapp.accounts.forms import STRIPPED
from eventapp.core.forms import (
    ChoiceField,
    IntegerField,
    MultipleChoiceField,
    one_kind_of_line_break,
    select_choices,
    storable_moment,
)
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import label, labels
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.exhibitors.forms import CompanyProfileMixin, country_choices
from eventapp.meetings.models import MAX_MEETINGS_LIMIT, STARTUP_STAGES
from eventapp.organizations.models import ORGANIZATION_KINDS, SECTORS


class CompanyForm(CompanyProfileMixin, FlaskForm):
    """The company an attendee with none takes part in the meetup for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self.name_given() and valid


class ColleagueForm(FlaskForm):
    email = EmailField(
        _l("Your colleague's e-mail"),
        filters=STRIPPED,
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("The address of their account here; they sign up first if they have none."),
    )


class JoinCompanyForm(FlaskForm):
    """The click that links one's account to the company of a colleague link."""


def upper_code(value):
    return value.strip().upper() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    offer_ko = TextAreaField(
        _l("What we offer (Korean)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=3000)],
        description=_l("Startups: technology and product. Firms: what you bring to a partner."),
    )
    offer_en = TextAreaField(
        _l("What we offer (English)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=3000)],
    )
    need_ko = TextAreaField(
        _l("What we look for (Korean)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=3000)],
        description=_l("Firms: your technology demand. Startups: the partners you look for."),
    )
    need_en = TextAreaField(
        _l("What we look for (English)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=3000)],
    )
    poc_themes_ko = TextAreaField(
        _l("PoC themes (Korean)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=2000)],
    )
    poc_themes_en = TextAreaField(
        _l("PoC themes (English)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=2000)],
    )
    stage = ChoiceField(_l("Stage"), choices=select_choices(labels(STARTUP_STAGES)), default="")
    sector = ChoiceField(_l("Sector"), choices=select_choices(labels(SECTORS)))
    keywords = StringField(
        _l("Keywords"),
        validators=[Optional(), Length(max=500)],
        description=_l("Comma-separated, e.g. machine vision, predictive maintenance"),
    )
    # Chosen from the list the company form offers: partners are filtered by the
    # code, and a typed "한국" or "Korea" would have hidden the company.
    country = ChoiceField(_l("Country"), validators=[DataRequired()], filters=[upper_code])
    receives_at_booth = BooleanField(_l("We receive our meetings at our own booth"))
    booth_code = StringField(_l("Booth code"), validators=[Optional(), Length(max=16)])
    # The profile as the page showed it (services.profile_version): saving over what a
    # colleague changed since is refused.
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class RequestForm(FlaskForm):
    message = TextAreaField(
        _l("Message"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=2000)],
        description=_l("Why would you like to meet? What would you like to discuss?"),
    )


# Both forms sit next to other buttons (Accept; the request's other actions): a bare
# "Reason" did not say what it was for, nor that one is required and the other not.
class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for declining"),
        filters=[one_kind_of_line_break],
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Required to decline; the company that asked reads it."),
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=2000)],
        description=_l("The other company reads it."),
    )


class NotesForm(FlaskForm):
    notes = TextAreaField(
        _l("Follow-up notes"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=5000)],
    )
    # The notes as the page showed them (services.notes_version).
    version = HiddenField()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    sector = ChoiceField(
        _l("Sector"), choices=select_choices(labels([("", _l("all sectors")), *SECTORS.items()]))
    )
    country = ChoiceField(_l("Country"), validators=[Optional()], filters=[upper_code])
    kind = ChoiceField(
        _l("Kind"),
        choices=select_choices(labels([("", _l("all kinds")), *ORGANIZATION_KINDS.items()])),
    )
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", label(_("all countries"))), *country_choices()]


class SettingsForm(FlaskForm):
    meeting_days = MultipleChoiceField(_l("Meeting days"), validators=[DataRequired()])
    slot_minutes = IntegerField(
        _l("Slot length (minutes)"), validators=[DataRequired(), NumberRange(5, 240)]
    )
    day_starts_at = TimeField(_l("Meetings start at"), validators=[DataRequired()])
    day_ends_at = TimeField(_l("Meetings end at"), validators=[DataRequired()])
    breaks = StringField(
        _l("Breaks"),
        validators=[Optional(), Length(max=300)],
        description=_l("e.g. 12:00-13:00, 15:00-15:15"),
    )
    table_count = IntegerField(
        _l("Number of meeting tables"), validators=[Optional(), NumberRange(0, 500)], default=0
    )
    table_label = StringField(
        _l("Where the tables are (hall / zone), in Korean"),
        validators=[Optional(), Length(max=100)],
    )
    table_label_en = StringField(
        _l("Where the tables are (hall / zone), in English"),
        validators=[Optional(), Length(max=100)],
    )
    booking_opens_at = DateTimeLocalField(
        _l("Requests and booking open (%(zone)s)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), storable_moment],
    )
    booking_closes_at = DateTimeLocalField(
        _l("Requests and booking close (%(zone)s)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), storable_moment],
    )
    startup_cap = IntegerField(
        _l("Maximum meetings per startup"),
        validators=[Optional(), NumberRange(0, MAX_MEETINGS_LIMIT)],
    )
    firm_cap = IntegerField(
        _l("Maximum meetings per firm"), validators=[Optional(), NumberRange(0, MAX_MEETINGS_LIMIT)]
    )
    first_meeting_bonus = IntegerField(
        _l("Bonus for a startup's first meeting (scheduler)"),
        validators=[Optional(), NumberRange(0, 100)],
        default=3,
    )

    def __init__(self, *args, zone, **kwargs):
        """`zone`: the event's time zone, in which the times are typed and shown."""
        super().__init__(*args, **kwargs)
        for moment in (self.booking_opens_at, self.booking_closes_at):
            moment.label.text = moment.label.text % {"zone": zone}


class MoveForm(FlaskForm):
    slot_id = ChoiceField(_l("Time slot"), coerce=int)
    table_id = ChoiceField(_l("Table"), coerce=int)
    override_unavailable = BooleanField(
        _l("Move it even if a participant marked that slot as unavailable"),
        description=_l("Only after agreeing the new time with them."),
    )


class CapForm(FlaskForm):
    max_meetings = IntegerField(
        _l("Maximum meetings"),
        validators=[Optional(), NumberRange(0, MAX_MEETINGS_LIMIT)],
        description=_l("Empty: the cap of its side in the settings."),
    )


class ProposeTimeForm(FlaskForm):
    # Any slot id, as text (parse_id reads it): the view says why a slot is not free
    # (any more), or that none was chosen; a choice list would only refuse the value.
    slot_id = ChoiceField(_l("New time"), validate_choice=False)
    message = TextAreaField(
        _l("Message"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=500)],
        description=_l("Optional: why another time suits you better."),
    )
