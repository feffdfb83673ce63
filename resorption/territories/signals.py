from django.dispatch import Signal

# Sent by `load_territories` after it created or changed territories (`changed` = how many rows), so that the apps
# above may drop what they derived from the old ones (the permission contexts stored with users, for one).
territories_loaded = Signal()
