"""Mails: a subject, a text and an HTML body per template, under templates/emails/<name>/."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def build(name, to, context, *, organisations=(), unsubscribe_url=None):
    """A French mail in text and HTML about the stops of `organisations`: sent under the sender name
    of the only one (the platform's when there are several), its footer gives each one's contact.
    With `unsubscribe_url`, the one-click unsubscribe headers (RFC 8058)."""
    organisations = sorted(set(organisations), key=lambda organisation: organisation.name)
    sender = organisations[0].sender if len(organisations) == 1 else platform_name()
    context = {
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
        "sender": sender,
        "contacts": [o for o in organisations if o.contact_phone or o.contact_email],
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"emails/{name}/body.txt", context),
        from_email=formataddr((sender, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"emails/{name}/body.html", context), "text/html")
    return message


def platform_name():
    """The name of DEFAULT_FROM_EMAIL (« Mairie mobile <ne-pas-repondre@…> »), or « Mairie mobile »."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or _("Mairie mobile")
