"""Public API: an organisation's service commitments measured over a month (`/api/v1/organisations/<slug>/quality`).

Figures only, of a whole month and a whole organisation (visits/quality.py): no visit, no
opinion, and no satisfaction rate under MIN_ANSWERS answers nor for the month under way (read
before and after an opinion, it would tell what that person said). Not cached: the answer moves
with every visit recorded and every opinion given, which the public cache's version does not
follow; computed from the kept days, it takes a few queries whatever the organisation's size.
"""

import datetime
import re
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Router
from ninja.errors import HttpError
from pydantic import BaseModel

from mairie_mobile.validators import FIRST_DAY
from organisations.models import Organisation
from stops.api import Error
from stops.opening_counts import month_start, previous_month
from visits import quality
from visits.models import Commitment

router = Router(tags=[gettext_noop("Engagements de service")])
# ASCII digits only: \d would take other scripts' digits too.
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class ShareOut(BaseModel):
    part: int | None = Field(description=gettext_noop("Nombre compté ; null quand il n'y a pas de pourcentage."))
    whole: int = Field(description=gettext_noop("Sur combien."))
    value: float | None = Field(description=gettext_noop("Part de 0 à 1 ; null sans chiffre."))


class DetailsOut(BaseModel):
    counted: int | None = Field(None, description=gettext_noop("quick_welcome : visiteurs comptés."))
    held: ShareOut | None = Field(None, description=gettext_noop("reliable_hours : ouvertures qui ont eu lieu."))
    announced: ShareOut | None = Field(
        None, description=gettext_noop("reliable_hours : annulations annoncées au moins notice_hours heures avant.")
    )
    median_notice_hours: float | None = Field(
        None, description=gettext_noop("reliable_hours : préavis médian des annulations, en heures.")
    )
    cancellations: int | None = Field(None, description=gettext_noop("reliable_hours : ouvertures annulées."))
    demands: int | None = Field(None, description=gettext_noop("answer_on_site : demandes enregistrées."))
    answers: int | None = Field(None, description=gettext_noop("satisfaction : nombre d'avis, toujours donné."))
    moods: dict[Literal["good", "average", "bad"], int] | None = Field(
        None, description=gettext_noop("satisfaction : avis par réponse ; vide sous 20 avis.")
    )


class CommitmentOut(BaseModel):
    kind: Literal["quick_welcome", "reliable_hours", "answer_on_site", "satisfaction"]
    label: str = Field(description=gettext_noop("Nom de l'engagement, en français."))
    text: str = Field(description=gettext_noop("Précision publiée par la structure."))
    target: int = Field(description=gettext_noop("Objectif, en pour cent."))
    minutes: int | None = Field(description=gettext_noop("quick_welcome : reçu en ce nombre de minutes au plus."))
    notice_hours: int | None = Field(
        description=gettext_noop("reliable_hours : une annulation est annoncée au moins ce nombre d'heures avant.")
    )
    value: float | None = Field(
        description=gettext_noop(
            "Résultat, de 0 à 1 ; null sans chiffre (rien à compter, moins de 20 avis, ou la satisfaction du mois "
            "en cours, qui changerait à chaque avis)."
        )
    )
    part: int | None
    whole: int
    met: bool | None = Field(description=gettext_noop("Objectif atteint ; null sans chiffre."))
    details: DetailsOut


class QualityOut(BaseModel):
    organisation: str = Field(description=gettext_noop("Identifiant de la structure."))
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description=gettext_noop("Le mois mesuré, AAAA-MM."))
    chosen: bool = Field(
        description=gettext_noop(
            "true : les engagements choisis par la structure ; false : elle n'en a pas choisi, "
            "les engagements par défaut sont mesurés."
        )
    )
    commitments: list[CommitmentOut]


@router.get(
    "/organisations/{slug}/quality",
    response={200: QualityOut, 400: Error, 404: Error},
    summary=gettext_noop("Les engagements de service d'une structure, mesurés sur un mois"),
    description=gettext_noop(
        "Paramètre month : le mois, AAAA-MM ; absent : le dernier mois terminé. Un mois mal écrit ou pas encore "
        "commencé donne une erreur 400, une structure inconnue une erreur 404."
    ),
)
def organisation_quality(request, slug: str, month: str | None = None):
    organisation = Organisation.objects.active().filter(slug=slug).first()
    if organisation is None:
        raise HttpError(404, _("Aucune structure ne porte l'identifiant « %(slug)s ».") % {"slug": slug})
    first_day = _month(month)
    commitments = quality.commitments_of(organisation)
    chosen = bool(commitments)
    [(_first_day, measures)] = quality.monthly(
        [organisation], first_day, first_day, commitments or quality.default_commitments()
    )
    return {
        "organisation": organisation.slug,
        "month": f"{first_day:%Y-%m}",
        "chosen": chosen,
        "commitments": [_measure_out(measure) for measure in measures],
    }


def _month(text):
    """The first day of the month `text` (AAAA-MM); without one, of the last month over."""
    this_month = month_start(timezone.localdate())
    if text is None:
        return previous_month(this_month)
    found = MONTH.fullmatch(text)
    if not found or not 1 <= int(found[2]) <= 12:
        raise HttpError(
            400,
            _("Le paramètre « month » doit être un mois au format AAAA-MM, par exemple %(example)s.")
            % {"example": f"{previous_month(this_month):%Y-%m}"},
        )
    # The year is checked before the date is made: there is no year 0000.
    if int(found[1]) < FIRST_DAY.year:
        raise HttpError(400, _("Le mois doit être en %(year)s ou après.") % {"year": FIRST_DAY.year})
    first_day = datetime.date(int(found[1]), int(found[2]), 1)
    if first_day > this_month:
        raise HttpError(400, _("Le mois %(month)s n'a pas encore commencé.") % {"month": text})
    return first_day


def _measure_out(measure):
    commitment = measure.commitment
    return {
        "kind": commitment.kind,
        "label": str(measure.label),
        "text": commitment.text,
        "target": commitment.target,
        "minutes": commitment.minutes if commitment.kind == Commitment.Kind.QUICK_WELCOME else None,
        "notice_hours": commitment.notice_hours if commitment.kind == Commitment.Kind.RELIABLE_HOURS else None,
        **_share_out(measure.share),
        "met": measure.met,
        "details": {
            name: _share_out(value) if isinstance(value, quality.Share) else value
            for name, value in measure.details.items()
        },
    }


def _share_out(share):
    """The part is withheld with the value (too few answers to give one)."""
    return {"part": None if share.value is None else share.part, "whole": share.whole, "value": share.value}
