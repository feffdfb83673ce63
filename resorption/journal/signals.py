"""What the journal services announce to the apps above them (notifications, later the activity feed).

`journal` may not import those apps (apps depend one way, pyproject.toml), so `journal_entry_post` sends this plain
Django signal and the apps above connect receivers in their `AppConfig.ready()`. It is sent inside the transaction
that writes the entry, once its targets, tags and files are saved, so that a receiver's writes are kept or rolled back
with the entry.
"""

from django.dispatch import Signal

# A journal entry was posted (`journal_entry_post`). Arguments: `entry`, `user` (its author).
journal_entry_posted = Signal()

# A territorial message was published to the sites of several départements (`territorial_message_post`). Arguments:
# `message`, `user` (its author).
territorial_message_posted = Signal()
