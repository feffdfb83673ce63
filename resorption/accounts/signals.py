"""What the account services announce to the apps above them (the activity feed, through the notifications' events),
as `settlements.signals` does for sites: `accounts` may not import those apps, so its services send plain Django
signals, inside the transaction that writes, so that a receiver's writes are kept or rolled back with the change."""

from django.dispatch import Signal

# A person activated her account with her link (`user_activate`): she joins the platform. Arguments: `user`.
user_activated = Signal()
