"""Mails: a subject, a text and an HTML body per template, under templates/emails/<name>/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def build(name, to, context, *, unsubscribe_url=None):
    """A French mail in text and HTML. With `unsubscribe_url`, the one-click unsubscribe headers (RFC 8058)."""
    context = {"site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe_url, **context}
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"emails/{name}/body.txt", context),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"emails/{name}/body.html", context), "text/html")
    return message
