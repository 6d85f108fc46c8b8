"""The service commitments, measured from what the app records: one function per indicator.

Each organisation chooses among the commitments the app knows how to measure
(`Commitment.Kind`), with its own thresholds and target; without a choice, the
defaults (`default_commitments()`) measure the service. The figures come from the same
tallies as the statistics (visits/stats.py: the kept days, and the other days counted from
the visits), so a year of one organisation adds up its kept days instead of reading its
visits, in the same number of queries whatever the number of months, stops or visits.

- **Accueil rapide** (N minutes): among the visitors who queued (every visit but those
  oriented at the pré-accueil), the share received within N minutes of their arrival.
  Received: the start of the déblayage, or of the accompaniment without one. Minutes are
  counted up: 19 min 59 s is 20 minutes, within 20; 20 min 01 s is 21, not within. A
  visitor who left without being received counts as not received in time if they left N
  minutes or more after arriving, and is not counted if they left sooner (we cannot know
  whether they would have been). Visitors still waiting are not counted.
- **Horaires fiables**: among the published openings of the period that have started,
  the share that took place (the headline figure). One that did not take place was
  cancelled by an edit of the schedule recorded at most 30 days (ANNOUNCE_WINDOW) before it:
  an edit recorded earlier reorganises the timetable rather than cancelling an opening
  residents counted on. Hours that merely moved the same day are not a cancellation; an
  extra opening that took place counts as held; of an opening cancelled, restored and
  cancelled again, the last cancellation counts (stops/opening_counts.py). For each
  cancellation, the notice is the time from the edit to the opening's start (Paris time),
  in whole hours rounded down (negative when the bus broke down during the opening): the
  details give the share announced at least H hours before (47 h: no, 49 h: yes, with 48)
  and the median notice, read from the hours rounded down.
- **Réponse sur place**: among the demands recorded in the period, the share resolved
  during the visit.
- **Satisfaction**: among the opinions given (`Feedback`), the share of "Bien". Under
  MIN_ANSWERS answers there is no percentage (the share's value, its part and the detail
  of the answers are withheld): a handful of opinions would be read as a rate, and could
  point at a person. The number of answers is always given. Nor is the share of a period
  made of months given when the months withheld have fewer than MIN_ANSWERS answers
  together: less the months shown, it would give theirs away (`published`); nor that of the
  month under way, which moves with each opinion: read before and after one, it would tell
  what that person said.

A commitment is met when its headline share reaches its target (per cent); without a
figure (no visitor, no opening, too few answers) it is neither met nor missed (None).
"""

import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from organisations.models import Organisation
from stops import opening_counts
from visits import stats
from visits.models import Commitment, Demand, Feedback, Mood

MIN_ANSWERS = 20
# An edit of the schedule recorded earlier than this before an opening reorganises the timetable.
ANNOUNCE_WINDOW = opening_counts.ANNOUNCE_WINDOW


@dataclass(frozen=True)
class Share:
    """`part` out of `whole`; no value under `minimum` (at least one), nor when `withheld`."""

    part: int
    whole: int
    minimum: int = 1
    withheld: bool = False  # the value would give away another one, withheld

    @property
    def value(self) -> float | None:
        if self.withheld or not self.whole or self.whole < self.minimum:
            return None
        return self.part / self.whole

    @property
    def percent(self) -> float | None:
        """The value in per cent, to one decimal: 87.5."""
        return None if self.value is None else round(self.value * 100, 1)

    def reaches(self, target):
        """Whether the share is `target` per cent or more; None without a value."""
        return None if self.value is None else self.value * 100 >= target

    def __add__(self, other):
        return Share(self.part + other.part, self.whole + other.whole, self.minimum)


@dataclass
class Measure:
    """One commitment measured over one period."""

    commitment: Commitment  # possibly unsaved (the defaults)
    share: Share | None  # the headline figure; satisfaction: a Share whose value is None under MIN_ANSWERS
    met: bool | None  # share.value * 100 >= commitment.target; None when there is no figure
    details: dict = field(default_factory=dict)

    @property
    def kind(self):
        return self.commitment.kind

    @property
    def label(self):
        return self.commitment.get_kind_display()

    @property
    def headline(self):
        """What the headline share counts, in words."""
        return HEADLINES[self.kind]

    @property
    def threshold(self):
        """The commitment's threshold, in words."""
        return threshold(self.commitment)


HEADLINES = {
    Commitment.Kind.QUICK_WELCOME: gettext_lazy("Visiteurs reçus dans le délai"),
    Commitment.Kind.RELIABLE_HOURS: gettext_lazy("Ouvertures prévues qui ont eu lieu"),
    Commitment.Kind.ANSWER_ON_SITE: gettext_lazy("Demandes résolues pendant le passage"),
    Commitment.Kind.SATISFACTION: gettext_lazy("Avis « Bien »"),
}


def threshold(commitment):
    if commitment.kind == Commitment.Kind.QUICK_WELCOME:
        return ngettext(
            "reçu en %(minutes)s minute au plus", "reçu en %(minutes)s minutes au plus", commitment.minutes
        ) % {"minutes": commitment.minutes}
    if commitment.kind == Commitment.Kind.RELIABLE_HOURS:
        return _("annulation annoncée au moins %(hours)s h avant") % {"hours": commitment.notice_hours}
    if commitment.kind == Commitment.Kind.SATISFACTION:
        return _("pas de pourcentage sous %(answers)s avis") % {"answers": MIN_ANSWERS}
    return ""


# The indicators, on tallies and counters -----------------------------------------------


def quick_welcome(tally, minutes) -> Share:
    """Visitors received within `minutes`, out of those received and those who left unreceived
    after waiting `minutes` or more (see above)."""
    received = {int(m): n for m, n in tally["received"].items()}
    left_late = sum(n for m, n in tally["left_unreceived"].items() if int(m) >= minutes)
    return Share(sum(n for m, n in received.items() if m <= minutes), sum(received.values()) + left_late)


def openings_held(held: int, cancellation_tally) -> Share:
    """Openings that took place, out of those and the ones cancelled."""
    return Share(held, held + sum(cancellation_tally.values()))


def notice(cancellation_tally, hours) -> tuple[Share, float | None]:
    """(cancellations announced `hours` or more before the opening, out of every cancellation;
    the median notice in hours, interpolated over the hours rounded down)."""
    counts = {int(h): n for h, n in cancellation_tally.items()}
    announced = Share(sum(n for h, n in counts.items() if h >= hours), sum(counts.values()))
    return announced, stats.percentiles(counts)[0]


def answer_on_site(tally) -> Share:
    """Demands resolved during the visit, out of every demand recorded."""
    outcomes = Counter()
    for key, n in tally["demands"].items():
        outcomes[key.rsplit("|", 1)[1]] += n
    return Share(outcomes[Demand.Outcome.RESOLVED], sum(outcomes.values()))


def satisfaction(moods: Counter) -> Share:
    """Opinions "Bien", out of every opinion; no value under MIN_ANSWERS answers."""
    return Share(moods[Mood.GOOD], sum(moods.values()), minimum=MIN_ANSWERS)


# The commitments -----------------------------------------------------------------------


def default_commitments() -> list[Commitment]:
    """One unsaved commitment of each kind with the default thresholds: how the whole service,
    or an organisation that chose none, is measured."""
    return [Commitment(kind=kind, position=position) for position, kind in enumerate(Commitment.Kind.values)]


def commitments_of(organisation) -> list[Commitment]:
    """The commitments `organisation` chose, in its order (none: an empty list)."""
    return list(Commitment.objects.filter(organisation=organisation))


def commitments_for(filters):
    """(the commitments whose thresholds measure `filters`, whether they are an organisation's
    choice): those of the one organisation the figures concern, else the defaults."""
    organisation = _the_organisation(filters)
    chosen = commitments_of(organisation) if organisation else []
    return (chosen, True) if chosen else (default_commitments(), False)


def _the_organisation(filters):
    if filters.stop is not None:
        return filters.stop.organisation
    if filters.organisations is None:
        return None
    organisations = list(filters.organisations[:2])
    return organisations[0] if len(organisations) == 1 else None


def measure(filters: stats.Filters, commitments, tally=None) -> list[Measure]:
    """The commitments measured over the period, stop and partner of `filters` (the coordinator's
    statistics). `tally`: the period's, when the caller has it already (stats.compute)."""
    tally = stats.tally_of(filters) if tally is None else tally
    held = sum(opening_counts.held_by_month(filters.start, filters.end, stats.stops_of(filters)).values())
    moods = sum(_moods_by_month(filters).values(), Counter())
    return _measures(commitments, tally, held, moods)


def monthly(organisations, first_month, last_month, commitments) -> list[tuple[datetime.date, list[Measure]]]:
    """[(first day of a month, its measures)] of every month from `first_month` to `last_month`,
    at the stops of `organisations` (a queryset, a list, one organisation; None: the whole service)."""
    return published(organisations, first_month, last_month, commitments).months


@dataclass
class Published:
    """What a commitments page shows: each month's measures, the whole period's, and the number of
    opinions given over it."""

    months: list  # [(first day of a month, [Measure])]
    overall: list  # [Measure] over every month together
    opinions: int


def published(organisations, first_month, last_month, commitments) -> Published:
    """The measures of every month from `first_month` to `last_month` and of them all together, read
    in the same queries as `monthly()`."""
    if isinstance(organisations, Organisation):
        organisations = [organisations]
    end = opening_counts.next_month(last_month) - datetime.timedelta(days=1)
    filters = stats.Filters(first_month, end, organisations=organisations)
    tallies = stats.tallies_by_month(filters)
    held = opening_counts.held_by_month(first_month, end, stats.stops_of(filters))
    moods = _moods_by_month(filters)
    months = list(opening_counts.months(first_month, last_month))
    whole_tally, whole_moods = stats.Tally(), Counter()
    for month in months:
        whole_tally += tallies.get(month) or stats.Tally()
        whole_moods.update(moods[month])
    this_month = opening_counts.month_start(timezone.localdate())
    overall = _measures(commitments, whole_tally, sum(held[month] for month in months), whole_moods)
    withheld = sum(n for n in (moods[month].total() for month in months) if n < MIN_ANSWERS)
    # The whole, less the months shown, would give away those withheld; the month under way moves.
    if 0 < withheld < MIN_ANSWERS or last_month >= this_month:
        overall = _without_satisfaction(overall)
    by_month = []
    for month in months:
        measures = _measures(commitments, tallies.get(month) or stats.Tally(), held[month], moods[month])
        by_month.append((month, _without_satisfaction(measures) if month >= this_month else measures))
    return Published(months=by_month, overall=overall, opinions=whole_moods.total())


def _without_satisfaction(measures):
    """`measures` with the satisfaction's share and the detail of its answers withheld."""
    return [_withhold(m) if m.kind == Commitment.Kind.SATISFACTION else m for m in measures]


def _withhold(satisfaction_measure):
    share = dataclasses.replace(satisfaction_measure.share, withheld=True)
    return Measure(satisfaction_measure.commitment, share, None, {"answers": share.whole, "moods": {}})


def _measures(commitments, tally, held, moods):
    return [MEASURES[commitment.kind](commitment, tally, held, moods) for commitment in commitments]


def _measured(commitment, share, **details):
    return Measure(commitment, share, share.reaches(commitment.target), details)


def _quick_welcome(commitment, tally, held, moods):
    share = quick_welcome(tally, commitment.minutes)
    return _measured(commitment, share, counted=share.whole)


def _reliable_hours(commitment, tally, held, moods):
    share = openings_held(held, tally["cancellations"])
    announced, median = notice(tally["cancellations"], commitment.notice_hours)
    return _measured(
        commitment,
        share,
        held=share,
        announced=announced,
        median_notice_hours=median,
        cancellations=announced.whole,
    )


def _answer_on_site(commitment, tally, held, moods):
    share = answer_on_site(tally)
    return _measured(commitment, share, demands=share.whole)


def _satisfaction(commitment, tally, held, moods):
    share = satisfaction(moods)
    return _measured(commitment, share, answers=share.whole, moods=moods_shown(moods))


def moods_shown(moods: Counter) -> dict:
    """{mood: answers} of every mood, from MIN_ANSWERS answers; fewer: none (they give the share)."""
    return {mood: moods[mood] for mood in Mood.values} if moods.total() >= MIN_ANSWERS else {}


MEASURES = {
    Commitment.Kind.QUICK_WELCOME: _quick_welcome,
    Commitment.Kind.RELIABLE_HOURS: _reliable_hours,
    Commitment.Kind.ANSWER_ON_SITE: _answer_on_site,
    Commitment.Kind.SATISFACTION: _satisfaction,
}


def _moods_by_month(filters):
    """{first day of a month: Counter of moods} of the opinions given at the stops of `filters`
    (a partner's: those of visits with a demand of theirs): one query."""
    opinions = Feedback.objects.filter(service_day__range=(filters.start, filters.end))
    if filters.organisations is not None:
        opinions = opinions.filter(stop__organisation__in=filters.organisations)
    if filters.stop is not None:
        opinions = opinions.filter(stop=filters.stop)
    if filters.partner is not None:
        opinions = opinions.filter(partners=filters.partner)
    rows = opinions.values_list(TruncMonth("service_day"), "mood").annotate(n=Count("pk")).order_by()
    moods = defaultdict(Counter)
    for month, mood, n in rows:
        moods[month][mood] += n
    return moods
