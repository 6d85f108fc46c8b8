from organisations.roles import is_agent, is_coordinator


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"is_agent": is_agent(user), "is_coordinator": is_coordinator(user)}
