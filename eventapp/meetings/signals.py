"""Signals of the global meetup, for other packages that react to meetings without the
meetings package knowing about them. The calendar package mails both sides of every
booking, move and cancellation from these (one mail per person: the text and the
calendar invitation), so the meetings package sends no mail of its own for them.

Each signal is sent with the `Meeting` as sender, inside the transaction that made the
change and after the change is flushed (the caller commits or rolls back everything,
receivers included). Receivers must not commit.

- `meeting_scheduled`: a meeting got its first slot (booking, organizer placement,
  "schedule all" plan). Keyword `notify` is False when the caller asked for no mail.
- `meeting_moved`: a scheduled meeting changed time or place; `Meeting.sequence` is
  already raised. Keyword `proposal`: the accepted time proposal it follows, or None;
  `booth_lost`: the booth it left because its firm no longer receives there, or None;
  `new_place`: it kept its time and seats but its place reads anew: "tables" when the
  organizer renamed the tables' zone (they went to another hall), "venue" when the
  event's venue changed; else None.
- `meeting_cancelled`: a scheduled meeting was cancelled; `Meeting.sequence` is already
  raised and `Meeting.status` is "cancelled". Keyword `by`: the profile of the side
  that cancelled, or None for an organizer.
"""

from blinker import Namespace

_signals = Namespace()

meeting_scheduled = _signals.signal(
    "meeting-scheduled", doc="A meeting was scheduled (sender: the Meeting; kwarg notify)."
)
meeting_moved = _signals.signal(
    "meeting-moved", doc="A scheduled meeting moved to another slot or place (sender: the Meeting)."
)
meeting_cancelled = _signals.signal(
    "meeting-cancelled", doc="A scheduled meeting was cancelled (sender: the Meeting)."
)
