"""Form pieces shared by several domains."""

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def select_choices(pairs):
    """SelectChoice options from (value, label) pairs or a {value: label} mapping."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes: easier on a phone than
    a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
