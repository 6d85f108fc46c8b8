"""Mails: a subject, a text and an HTML body per template, under templates/emails/<name>/."""

from email.utils import formataddr, parseaddr
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

# Rendered in place of the unsubscribe link of a mail rendered once for many recipients: each
# one's link replaces it (escape() leaves it as it is).
EACH_UNSUBSCRIBE_URL = "__unsubscribe_url__"


class Rendered(NamedTuple):
    """A mail's texts, rendered once, to address to one recipient or to many."""

    subject: str
    text: str
    html: str
    from_email: str

    def message(self, to, unsubscribe_url=None):
        """The mail to `to`; with `unsubscribe_url`, the one-click unsubscribe headers (RFC 8058),
        and the link in place of EACH_UNSUBSCRIBE_URL."""
        text, html, headers = self.text, self.html, {}
        if unsubscribe_url:
            text = text.replace(EACH_UNSUBSCRIBE_URL, unsubscribe_url)
            html = html.replace(EACH_UNSUBSCRIBE_URL, escape(unsubscribe_url))
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(self.subject, text, from_email=self.from_email, to=[to], headers=headers)
        message.attach_alternative(html, "text/html")
        return message


def render(name, context, *, organisations=(), unsubscribe_url=None):
    """A French mail in text and HTML about the stops of `organisations`: sent under the sender name
    of the only one (the platform's when there are several), its footer gives each one's contact."""
    organisations = sorted(set(organisations), key=lambda organisation: organisation.name)
    sender = organisations[0].sender if len(organisations) == 1 else platform_name()
    context = {
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
        "sender": sender,
        "contacts": [o for o in organisations if o.contact_phone or o.contact_email],
        **context,
    }
    return Rendered(
        subject=" ".join(render_to_string(f"emails/{name}/subject.txt", context).split()),
        text=render_to_string(f"emails/{name}/body.txt", context),
        html=render_to_string(f"emails/{name}/body.html", context),
        from_email=formataddr((sender, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
    )


def build(name, to, context, *, organisations=(), unsubscribe_url=None):
    """The mail of `render` to `to`; with `unsubscribe_url`, the one-click unsubscribe headers."""
    rendered = render(name, context, organisations=organisations, unsubscribe_url=unsubscribe_url)
    return rendered.message(to, unsubscribe_url)


def platform_name():
    """The name of DEFAULT_FROM_EMAIL (« Mairie mobile <ne-pas-repondre@…> »), or « Mairie mobile »."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or _("Mairie mobile")
