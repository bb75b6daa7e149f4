import re

from babel import Locale
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, Regexp

from eventapp.accounts.forms import STRIPPED
from eventapp.core.forms import (
    ChoiceField,
    MultiCheckboxField,
    one_kind_of_line_break,
    select_choices,
)
from eventapp.core.i18n import current_language, labels
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.exhibitors import services
from eventapp.organizations.models import ORGANIZATION_KINDS, SECTORS

# Territory codes of the CLDR that are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def country_choices():
    territories = Locale.parse(current_language()).territories
    codes = [c for c in territories if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    return select_choices(sorted(((code, territories[code]) for code in codes), key=lambda p: p[1]))


# Any "scheme://" at the start; what has none gets https:// in front.
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
# Only web addresses: they become links on the company's pages.
WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)


def normalize_website(value):
    value = (value or "").strip()
    if value and not _URL_SCHEME.match(value):
        value = "https://" + value
    return value or None


class CompanyProfileMixin:
    name_ko = StringField(_l("Company name (Korean)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Company name (English)"), validators=[Optional(), Length(max=200)])
    kind = ChoiceField(
        _l("Kind of organization"), choices=select_choices(labels(ORGANIZATION_KINDS))
    )
    sector = ChoiceField(_l("Sector"), choices=select_choices(labels(SECTORS)))
    country = ChoiceField(_l("Country"), default="KR")
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=300),
            Regexp(WEB_ADDRESS, message=_l("Give a web address.")),
        ],
        filters=[normalize_website],
    )
    description_ko = TextAreaField(
        _l("Description (Korean)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=4000)],
    )
    description_en = TextAreaField(
        _l("Description (English)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=4000)],
    )

    def name_given(self):
        """Whether a name was given in either language; if not, says so on the field."""
        if services.clean_company_name(self.name_ko.data) or services.clean_company_name(
            self.name_en.data
        ):
            return True
        self.name_en.errors.append(_l("Give the company name in Korean or English."))
        return False

    def profile(self):
        return {
            "name_ko": services.clean_company_name(self.name_ko.data),
            "name_en": services.clean_company_name(self.name_en.data),
            "kind": self.kind.data,
            "sector": self.sector.data,
            "country": self.country.data,
            "website": self.website.data or None,
            "description_ko": (self.description_ko.data or "").strip(),
            "description_en": (self.description_en.data or "").strip(),
        }


class RegistrationForm(CompanyProfileMixin, FlaskForm):
    """The company profile and what it asks for; also used to edit a registration."""

    booth_count = ChoiceField(
        _l("Number of booths"),
        coerce=int,
        choices=select_choices((n, str(n)) for n in range(1, services.MAX_BOOTHS + 1)),
        default=1,
        description=_l("Your booths will touch each other."),
    )
    zones = MultiCheckboxField(
        _l("Zones you may stand in"),
        choices=select_choices(labels(SECTORS)),
        description=_l("Leave all unticked if any zone will do."),
    )
    wishes = FieldList(
        StringField(validators=[Optional(), Length(max=16)]),
        label=_l("Wished booths, best first"),
        min_entries=services.MAX_WISHES,
        max_entries=services.MAX_WISHES,
    )
    wants_corner = BooleanField(_l("We would like a corner booth"))
    avoid = MultiCheckboxField(_l("Competitors we must not stand next to"), coerce=int)
    # The registration as the page showed it (services.registration_version), when
    # editing: saving over what changed since is refused.
    version = HiddenField()

    def __init__(self, *args, event, exhibitor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.exhibitor = exhibitor
        self.country.choices = country_choices()
        self.avoid.choices = select_choices(
            services.avoid_choices(event, exclude_id=exhibitor.id if exhibitor else None)
        )

    @classmethod
    def for_exhibitor(cls, exhibitor, **kwargs):
        org = exhibitor.organization
        data = {key: getattr(org, key) for key in services.PROFILE_FIELDS}
        wishes = list(exhibitor.wishes or [])
        data.update(
            booth_count=exhibitor.booth_count,
            zones=list(exhibitor.zones or []),
            wishes=wishes + [""] * (services.MAX_WISHES - len(wishes)),
            wants_corner=exhibitor.wants_corner,
            avoid=[other.id for other in exhibitor.avoids],
            version=services.registration_version(exhibitor),
        )
        return cls(event=exhibitor.event, exhibitor=exhibitor, data=data, **kwargs)

    @classmethod
    def for_user(cls, event, user, **kwargs):
        data = {}
        if user.organization is not None:
            data = {key: getattr(user.organization, key) for key in services.PROFILE_FIELDS}
        return cls(event=event, data=data, **kwargs)

    def wish_codes(self):
        return services.normalize_codes(entry.data or "" for entry in self.wishes.entries)

    def booth_request(self):
        return services.BoothRequest(
            booth_count=self.booth_count.data,
            zones=list(self.zones.data or []),
            wishes=self.wish_codes(),
            wants_corner=bool(self.wants_corner.data),
            avoid_ids=list(self.avoid.data or []),
        )

    def name_free(self):
        """Whether no other exhibitor of the event bears the name (compared as the
        exhibitor import does); if one does, says so on the field."""
        for field in (self.name_ko, self.name_en):
            other = services.exhibitor_named(
                self.event, [field.data], exclude_id=self.exhibitor.id if self.exhibitor else None
            )
            if other is None:
                continue
            if self.exhibitor is None:
                message = _l(
                    "%(company)s is already registered as exhibitor of this event. Ask its "
                    "company admin to add you to the team.",
                    company=other.organization.name,
                )
            else:
                message = _l(
                    "%(name)s is already an exhibitor of this event.", name=other.organization.name
                )
            field.errors = list(field.errors or []) + [message]
            return False
        return True

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        valid = self.name_given() and valid
        valid = self.name_free() and valid
        codes = self.wish_codes()
        problems = services.check_wishes(
            codes, self.zones.data or [], services.booths_by_code(self.event, codes)
        )
        if problems:
            self.wishes.errors = list(self.wishes.errors or []) + problems
            valid = False
        return valid


class MemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=STRIPPED
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    role = ChoiceField(
        _l("Role"),
        choices=select_choices(
            labels(
                [("exhibitor_staff", _l("company staff")), ("exhibitor_admin", _l("company admin"))]
            )
        ),
        default="exhibitor_staff",
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[one_kind_of_line_break],
        validators=[Optional(), Length(max=2000)],
    )


# A tampered or truncated form: said without echoing the value sent, which is no
# word the organizer would recognise.
UNKNOWN_DECISION = _l(
    "Decision: the form sent none of the decisions this page offers; use one of its buttons."
)


class DecisionForm(FlaskForm):
    """An organizer's decision on a registration."""

    status = HiddenField(
        _l("Decision"),
        validators=[
            DataRequired(message=UNKNOWN_DECISION),
            AnyOf(
                sorted({d for ds in services.ORGANIZER_DECISIONS.values() for d in ds}),
                message=UNKNOWN_DECISION,
            ),
        ],
    )
    reason = TextAreaField(
        _l("Reason"), filters=[one_kind_of_line_break], validators=[Optional(), Length(max=2000)]
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.status.data == "rejected" and not (self.reason.data or "").strip():
            self.reason.errors.append(_l("Give a reason for the rejection."))
            valid = False
        return valid


class PriorityForm(FlaskForm):
    """The organizers' choice of when a company may start picking booths."""

    tier = ChoiceField(
        _l("Picking tier"),
        id="priority-tier",
        coerce=int,
        choices=select_choices(labels(services.PRIORITY_TIERS)),
        description=_l("Priority exhibitors may pick from the priority opening time."),
    )


IMPORT_STATUS_CHOICES = [
    ("approved", _l("approved (ready to pick booths)")),
    ("pending", _l("pending (to be reviewed)")),
]


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    status = ChoiceField(
        _l("Status of the imported exhibitors"),
        choices=select_choices(labels(IMPORT_STATUS_CHOICES)),
        default="approved",
    )


class ImportApplyForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    status = HiddenField(
        validators=[
            AnyOf(
                [key for key, _label in IMPORT_STATUS_CHOICES],
                message=_l(
                    "Status of the imported exhibitors: the form sent none of its choices; "
                    "upload the file again and choose one."
                ),
            )
        ]
    )

    def status_label(self):
        return dict(IMPORT_STATUS_CHOICES).get(self.status.data, self.status.data)
