"""What the action services announce to the apps above them (notifications), as `journal.signals` does for sites:
sent inside the transaction that writes, so that a receiver's writes are kept or rolled back with it."""

from django.dispatch import Signal

# A message was posted in an action's journal (`journal.action_entry_post`). Arguments: `entry`, `user` (its author).
action_entry_posted = Signal()
