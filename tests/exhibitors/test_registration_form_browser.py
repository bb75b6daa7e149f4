"""The registration form in a real browser: its wished booths and tick boxes, on a
desktop screen with a mouse and on a phone."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_wish_number_stands_clear_of_the_box_to_its_left(
    small_event, newcomer, live_server, browser, screen
):
    """The wishes' numbers hung in the 8 px between two boxes, against the box to
    their left, as if they ended it."""
    email = newcomer.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email, "en-US", **screen)
    page.goto("/e/test-expo/exhibit?lang=en")
    cells = page.evaluate(
        """() => [...document.querySelectorAll('.wish-list li')].map(li => {
             const box = li.querySelector('input').getBoundingClientRect();
             const cell = li.getBoundingClientRect();
             return {cell: [cell.left, cell.top], box: [box.left, box.right, box.top, box.bottom]};
           })"""
    )
    assert len(cells) == 5
    beside = 0
    for before, after in zip(cells, cells[1:], strict=False):
        # The number is in the wish's own cell, before its box, with room to read.
        assert after["box"][0] - after["cell"][0] >= 20
        if abs(after["box"][2] - before["box"][2]) < 1:  # side by side in one row
            beside += 1
            # As far from the box to its left as the form's fields are from each other.
            assert after["cell"][0] - before["box"][1] >= 12
    assert cells[0]["box"][0] - cells[0]["cell"][0] >= 20
    assert beside  # the case that went wrong is met
    assert page_width(page) <= screen["viewport"]["width"]


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["mouse", "touch"])
def test_the_tick_boxes_are_a_thumbs_size_whatever_the_pointer(
    small_event, newcomer, live_server, browser, screen
):
    """Where the screen reported no touch pointer (touch laptops, some phones), each
    tick box's target was a 20 px box in a 36 px line."""
    email = newcomer.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email, "en-US", **screen)
    page.goto("/e/test-expo/exhibit?lang=en")
    labels = page.locator("form.exhibitor-form label.check")
    assert labels.count() >= 7  # six zones and the corner booth
    for i in range(labels.count()):
        label = labels.nth(i)
        box = label.bounding_box()
        assert box["height"] >= 44, (label.inner_text(), box)
        tick = label.locator("input")
        before = tick.is_checked()
        # A tap near the top edge of the label ticks its box.
        label.click(position={"x": box["width"] / 2, "y": 2})
        assert tick.is_checked() != before, label.inner_text()
