"""Form pieces shared by several domains."""

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes: easier on a phone than
    a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
