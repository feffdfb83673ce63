from resorption.accounts import permissions


def account_links(request):
    """Header links of a signed-in user: administration only for those who may list accounts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_administrate": False}
    return {"can_administrate": permissions.can_list_users(user)}
