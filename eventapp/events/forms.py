from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from eventapp.accounts.forms import STRIPPED
from eventapp.core.audit import ACTIONS
from eventapp.core.forms import ChoiceField, one_kind_of_line_break, select_choices
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.events.services import TEXT_FIELDS


def _text(label, key, required=False, **options):
    validators = [DataRequired() if required else Optional(), Length(max=TEXT_FIELDS[key])]
    return StringField(label, validators=validators, **options)


def _description(label):
    return TextAreaField(
        label,
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=TEXT_FIELDS["description_ko"])],
    )


class EventDetailsForm(FlaskForm):
    """The details an organizer sets; the service checks them again (the command
    line goes there directly) and decides about the slug and the days."""

    slug = _text(
        _l("Address (slug)"),
        "slug",
        required=True,
        description=_l(
            "Part of every link to the event, e.g. kicxup-2026 in /e/kicxup-2026/: lower-case "
            "letters a-z, digits and hyphens. It cannot change once people have registered: "
            "the links sent to them carry it."
        ),
        render_kw={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"},
    )
    name_ko = _text(_l("Name (Korean)"), "name_ko", required=True)
    name_en = _text(_l("Name (English)"), "name_en", required=True)
    fair_name_ko = _text(_l("Host fair (Korean)"), "fair_name_ko")
    fair_name_en = _text(_l("Host fair (English)"), "fair_name_en")
    venue_ko = _text(_l("Venue (Korean)"), "venue_ko")
    venue_en = _text(_l("Venue (English)"), "venue_en")
    city = _text(_l("City"), "city")
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(
        _l("Last day"),
        validators=[DataRequired()],
        description=_l(
            "A day that meetings, scan points or check-ins use cannot be dropped: move "
            "or cancel them first."
        ),
    )
    opens_at = TimeField(_l("Opens at"), validators=[DataRequired()])
    closes_at = TimeField(_l("Closes at"), validators=[DataRequired()])
    timezone = _text(
        _l("Time zone"),
        "timezone",
        required=True,
        description=_l("An IANA time zone name, e.g. Asia/Seoul."),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)], filters=STRIPPED
    )
    description_ko = _description(_l("Description (Korean)"))
    description_en = _description(_l("Description (English)"))

    def details(self):
        return {key: getattr(self, key).data for key in DETAIL_KEYS}


DETAIL_KEYS = (
    "slug",
    "name_ko",
    "name_en",
    "fair_name_ko",
    "fair_name_en",
    "venue_ko",
    "venue_en",
    "city",
    "starts_on",
    "ends_on",
    "opens_at",
    "closes_at",
    "timezone",
    "contact_email",
    "description_ko",
    "description_en",
)


class NewEventForm(EventDetailsForm):
    organizers = TextAreaField(
        _l("Organizers' e-mail addresses"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=4000)],
        description=_l("One per line. Each needs an account already; they get the organizer role."),
    )

    def organizer_emails(self):
        return (self.organizers.data or "").replace(",", " ").replace(";", " ").split()


class EventSettingsForm(EventDetailsForm):
    # The details as the page showed them (services.details_version): saving over
    # another organizer's newer change is refused instead of undoing it silently.
    version = HiddenField()


class OrganizerForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the organizer to appoint"),
        validators=[DataRequired(), Email(), Length(max=254)],
        # A browser strips the spaces around an address; one pasted into a form sent
        # otherwise was refused as not an e-mail address.
        filters=STRIPPED,
    )


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form): what was done, and by whom."""

    class Meta:
        csrf = False

    action = ChoiceField(_l("Action"), validators=[Optional()], default="")
    who = StringField(_l("Who (name or e-mail)"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = sorted(ACTIONS.items(), key=lambda item: str(item[1]))
        self.action.choices = select_choices([("", _l("All actions")), *actions])
