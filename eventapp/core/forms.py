"""Form pieces shared by several domains."""

from wtforms import IntegerField as _IntegerField
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.i18n import ngettext, one_full_stop


def select_choices(pairs):
    """SelectChoice options from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class IntegerField(_IntegerField):
    """A whole number. Text that is none ("abc") is refused once, as not a number:
    WTForms went on to the range check and said besides that the number must lie
    between its bounds, two messages for one mistake."""

    def pre_validate(self, form):
        # An empty field is left to Optional or InputRequired, which say it their way.
        if self.process_errors and self.raw_data and self.raw_data[0].strip():
            raise StopValidation()


class ChoiceField(SelectField):
    """A single choice that refuses a submitted value outside its choices (a tampered
    form, a page left open while the choices changed) in words of our own: WTForms
    says "Invalid Choice: could not coerce." (in Korean, that it could not be
    converted), or "Not a valid choice.". The message is shown under the field, or
    led by its label where it is shown apart (field_errors)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = _l("The value sent is not one of the choices; choose again.")
        if self.invalid_choice_message is None:
            self.invalid_choice_message = message
        if self.invalid_value_message is None:
            self.invalid_value_message = message


class MultipleChoiceField(SelectMultipleField):
    """A multiple choice that refuses a submitted value outside its choices (a
    tampered form, or a page left open while the choices changed) in words of our
    own: WTForms' Korean for these messages is garbled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.invalid_choice_message is None:
            self.invalid_choice_message = self._not_among_the_choices
        if self.invalid_value_message is None:
            self.invalid_value_message = _l("A value sent is not one of the choices; choose again.")

    def _not_among_the_choices(self, count):
        # WTForms puts the values in (message % {"value": ...}) after this.
        return _FilledInLater(
            ngettext(
                "'%(value)s' is not one of the choices; choose again.",
                "'%(value)s' are not among the choices; choose again.",
                count,
                value="%(value)s",
            )
        )


class _FilledInLater(str):
    """A message that WTForms fills in itself (`message % {"value": ...}`): filled the
    way ours are, so the Korean particle after the values fits the last of them."""

    def __mod__(self, variables):
        return one_full_stop(str(self), variables)


class MultiCheckboxField(MultipleChoiceField):
    """A multiple choice shown as a list of check boxes: easier on a phone than
    a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def one_kind_of_line_break(text):
    """Browsers send a textarea's line breaks as CRLF but count each as one
    character against its maxlength: stored and measured as LF, a text the page
    took fits (and is not refused, or silently dropped, for being too long)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def storable_moment(_form, field):
    """A date and time typed in event time must still be one in UTC, where it is
    stored: 0001-01-01 00:00 in Seoul falls before year 1 there (9999-12-31 late,
    on the far side of UTC, after year 9999), which no datetime holds."""
    if field.data is not None and not 1 < field.data.year < 9999:
        raise ValidationError(_l("Not a valid date and time."))


def field_errors(form):
    """Every error of the form, each led by its field's label ("Notes: ..."), so that
    a message shown apart from the form still says which field is wrong."""
    return [f"{field.label.text}: {error}" for field in form for error in field.errors]
