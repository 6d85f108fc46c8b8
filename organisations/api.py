"""Public API: the organisations that run the stops (`/api/v1/organisations`)."""

from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_noop
from ninja import Field, Router
from pydantic import BaseModel

from organisations.models import Organisation

router = Router(tags=[gettext_noop("Structures")])


class OrganisationOut(BaseModel):
    slug: str = Field(description=gettext_noop("Identifiant de la structure, pour le paramètre organisation."))
    name: str
    kind: Literal["commune", "intercommunalite", "association", "other"]
    departement: str = Field(description=gettext_noop("Numéro du département : 75, 62, 2A, 971…"))
    contact_email: str
    contact_phone: str
    url: str = Field(description=gettext_noop("Page publique de la structure."))
    calendar_url: str = Field(description=gettext_noop("Calendrier de tous ses arrêts au format iCalendar."))


@router.get("/organisations", response=list[OrganisationOut], summary=gettext_noop("Les structures"))
def list_organisations(request):
    return [
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "kind": organisation.kind,
            "departement": organisation.departement,
            "contact_email": organisation.contact_email,
            "contact_phone": organisation.contact_phone,
            "url": settings.SITE_URL + organisation.get_absolute_url(),
            "calendar_url": settings.SITE_URL + reverse("stops:organisation_calendar", args=[organisation.slug]),
        }
        for organisation in Organisation.objects.active()
    ]
