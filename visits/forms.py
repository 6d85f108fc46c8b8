import uuid

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from mairie_mobile.validators import validate_day
from organisations.models import Organisation
from partners.models import OrientationTarget, Partner, Reason, reason_choices
from stops.forms import MobileNumberField
from visits.intake import AfterDeblayage
from visits.models import (
    CHECKLIST_FIELDS,
    PROFILE_FIELDS,
    STEPS_IN_HAND,
    AgeBand,
    Answered,
    Commitment,
    Demand,
    HeardFrom,
    Mood,
    Visit,
)
from visits.stats import Filters, quick_periods

SENSITIVE_DATA_WARNING = _(
    "N'écrivez ni nom, ni numéro (sécurité sociale, allocataire…), ni information sur la santé, "
    "la religion ou la situation familiale : la note sert au suivi de l'activité."
)


class ReasonSelect(forms.Select):
    """The list of reasons, drawn in Python: fifty options a list, several lists on every page of the bus,
    would take a template rendering each."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))

        def option(option_value, label):
            chosen = mark_safe(" selected") if str(option_value) in selected else ""
            return format_html('<option value="{}"{}>{}</option>', option_value, chosen, label)

        options = []
        for group, members in self.choices:
            if isinstance(members, list | tuple):
                inner = mark_safe("".join(option(*member) for member in members))
                options.append(format_html('<optgroup label="{}">{}</optgroup>', group, inner))
            else:
                options.append(option(group, members))
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, mark_safe("".join(options)))


class ReasonField(forms.ChoiceField):
    """A partner and, optionally, one of its procedures, picked in one list; cleans to a Reason."""

    widget = ReasonSelect

    reasons = {}

    def set_reasons(self, choices, reasons):
        self.choices, self.reasons = choices, reasons

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in self.reasons:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return self.reasons[value]

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


RESIDENCE_SUGGESTIONS = [
    "Paris 1er",
    *(f"Paris {n}e" for n in range(2, 21)),
    "Saint-Ouen-sur-Seine",
    "Aubervilliers",
    "Saint-Denis",
    "Pantin",
    "Clichy",
]


class ProfileFields(forms.Form):
    """The optional anonymous profile, asked only if the person agrees."""

    residence_suggestions = RESIDENCE_SUGGESTIONS

    age_band = forms.ChoiceField(label=_("Tranche d'âge"), choices=[("", "—"), *AgeBand.choices], required=False)
    residence = forms.CharField(
        label=_("Arrondissement ou commune de résidence"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"list": "residences", "autocomplete": "off"}),
    )
    first_visit = forms.TypedChoiceField(
        label=_("Première venue ?"),
        choices=[("", _("Ne sait pas")), ("1", _("Oui")), ("0", _("Non"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    heard_from = forms.ChoiceField(
        label=_("A connu la Mairie mobile par"), choices=[("", "—"), *HeardFrom.choices], required=False
    )

    def profile(self):
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class PreAccueilForm(ProfileFields):
    reason_1 = ReasonField(label=_("Motif de la visite"))
    reason_2 = ReasonField(label=_("Autre motif"), required=False)
    reason_3 = ReasonField(label=_("Autre motif"), required=False)
    handled_here = forms.TypedChoiceField(
        label=_("La demande peut-elle être traitée ici ?"),
        choices=[("1", _("Oui, la personne attend son tour")), ("0", _("Non, orienter ailleurs"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    orientation_target = forms.ModelChoiceField(
        label=_("Orientée vers"),
        queryset=OrientationTarget.objects.none(),
        required=False,
        empty_label="—",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # Set once the agent has confirmed that a ticket just given for the same reasons was someone else's.
    another_ticket = forms.BooleanField(required=False, widget=forms.HiddenInput)

    field_order = ["reason_1", "reason_2", "reason_3", "handled_here", "orientation_target"]

    def __init__(self, *args, stop, **kwargs):
        """`stop`: where the visitor is, whose organisation's partners and places are offered."""
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        choices, reasons = reason_choices(stop.organisation_id)
        for name in ("reason_1", "reason_2", "reason_3"):
            self.fields[name].set_reasons(choices, reasons)
        self.fields["orientation_target"].queryset = OrientationTarget.objects.offered_in(stop.organisation_id)

    def clean(self):
        data = super().clean()
        if data.get("handled_here") is False and not data.get("orientation_target"):
            self.add_error("orientation_target", _("Choisissez où la personne est orientée."))
        return data

    def reasons(self):
        reasons = [self.cleaned_data[name] for name in ("reason_1", "reason_2", "reason_3")]
        return list(dict.fromkeys(reason for reason in reasons if reason))

    def target(self):
        return None if self.cleaned_data["handled_here"] else self.cleaned_data["orientation_target"]


class TakeOverForm(forms.Form):
    """What the agent saw when asking to take over: the step, and who had the visitor."""

    step = forms.ChoiceField(choices=[(step.value, step.label) for step in STEPS_IN_HAND], widget=forms.HiddenInput)
    colleague = forms.IntegerField(widget=forms.HiddenInput)


class DeblayageForm(forms.Form):
    has_internet = forms.BooleanField(label=_("La connexion internet fonctionne"), required=False)
    has_access_codes = forms.BooleanField(label=_("Les codes d'accès aux comptes sont là"), required=False)
    has_documents = forms.BooleanField(label=_("Les documents nécessaires sont là"), required=False)
    has_email_access = forms.BooleanField(label=_("La personne accède à sa messagerie"), required=False)
    missing = forms.CharField(
        label=_("Ce qui manque, à apporter la prochaine fois"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : avis d'imposition 2024, identifiant France Connect, RIB."),
    )
    then = forms.ChoiceField(choices=AfterDeblayage.choices)

    def checklist(self):
        return {name: self.cleaned_data[name] for name in CHECKLIST_FIELDS}


class DemandForm(forms.Form):
    demand = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField(label=_("Démarche"), required=False)
    outcome = forms.ChoiceField(label=_("Résultat"), choices=[("", "—"), *Demand.Outcome.choices], required=False)

    def __init__(self, *args, reasons=((), {}), require_outcome=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].set_reasons(*reasons)
        self.require_outcome = require_outcome

    def clean(self):
        data = super().clean()
        if data.get("reason") and not data.get("outcome") and self.require_outcome:
            self.add_error("outcome", _("Indiquez le résultat de cette demande."))
        return data


class BaseDemandFormSet(forms.BaseFormSet):
    def __init__(self, *args, organisation, require_outcome=True, reasons=None, **kwargs):
        """`organisation`: the visit's stop's, whose partners and procedures are offered (or
        `reasons`, when a form of the page already read them)."""
        self.require_outcome = require_outcome
        self.reasons = reasons or reason_choices(organisation)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"reasons": self.reasons, "require_outcome": self.require_outcome}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["reason"].label = _("Démarche %(n)s") % {"n": i + 1}
        form.fields["outcome"].label = _("Résultat %(n)s") % {"n": i + 1}
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.demands():
            raise forms.ValidationError(_("Indiquez au moins une demande."))

    def demands(self):
        """(demand id or None, Reason, outcome) of each row filled in."""
        return [
            (form.cleaned_data.get("demand"), form.cleaned_data["reason"], form.cleaned_data.get("outcome", ""))
            for form in self.forms
            if form.cleaned_data.get("reason")
        ]


DemandFormSet = forms.formset_factory(DemandForm, formset=BaseDemandFormSet, extra=2, max_num=12)


def demand_formset(visit, data=None, require_outcome=True):
    initial = [
        {"demand": d.pk, "reason": Reason(d.partner_id, d.procedure_id).value, "outcome": d.outcome}
        for d in visit.demands.all()
    ]
    return DemandFormSet(
        data,
        initial=initial,
        organisation=visit.stop.organisation_id,
        require_outcome=require_outcome,
        prefix="demandes",
    )


class FollowUpFields(forms.Form):
    follow_up_name = forms.CharField(
        label=_("Nom"), max_length=120, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    follow_up_phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    follow_up_email = forms.EmailField(
        label=_("Courriel"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    follow_up_consent = forms.BooleanField(
        label=_("La personne accepte que ces coordonnées soient gardées pour la recontacter"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        filled = any(data.get(name) for name in ("follow_up_name", "follow_up_phone", "follow_up_email"))
        if filled and not data.get("follow_up_consent"):
            self.add_error("follow_up_consent", _("Sans l'accord de la personne, ne notez pas ses coordonnées."))
        if filled and not data.get("follow_up_name"):
            self.add_error("follow_up_name", _("Indiquez le nom de la personne."))
        if filled and not (data.get("follow_up_phone") or data.get("follow_up_email")):
            self.add_error("follow_up_phone", _("Indiquez un téléphone ou un courriel."))
        return data

    def follow_up(self):
        data = self.cleaned_data
        if not data.get("follow_up_name"):
            return None
        return {
            "name": data["follow_up_name"],
            "phone": data["follow_up_phone"],
            "email": data["follow_up_email"],
            "consent": data["follow_up_consent"],
        }


class AccompagnementForm(FollowUpFields):
    minutes = forms.IntegerField(
        label=_("Durée de l'accompagnement (minutes)"),
        min_value=1,
        max_value=600,
        help_text=_("Calculée depuis le début de l'accompagnement ; corrigez-la si besoin."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=SENSITIVE_DATA_WARNING
    )

    field_order = ["minutes", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.FOLLOW_UP_RETENTION_DAYS
        self.fields["follow_up_consent"].help_text = _(
            "Les coordonnées servent seulement à recontacter la personne pour son dossier ; "
            "elles sont effacées automatiquement au bout de %(days)s jours."
        ) % {"days": days}
        if self.initial.get("minutes") is None:  # not measured: the accompaniment began another day
            self.fields["minutes"].help_text = _("L'accompagnement a commencé un autre jour : indiquez sa durée.")


class CorrectionForm(ProfileFields, forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["accompagnement_minutes", "orientation_target", "missing", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3}), "missing": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"note": SENSITIVE_DATA_WARNING}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.instance
        if visit.status != "oriented":
            del self.fields["orientation_target"]
        else:
            target = self.fields["orientation_target"]
            target.required = True
            target.queryset = OrientationTarget.objects.offered_in(visit.stop.organisation_id)
        if visit.status != "done":
            del self.fields["accompagnement_minutes"]
        if visit.status != "to_come_back":
            del self.fields["missing"]
        for name in ("age_band", "residence", "heard_from"):
            self.initial.setdefault(name, getattr(visit, name))
        self.initial.setdefault("first_visit", {True: "1", False: "0"}.get(visit.first_visit, ""))

    def changes(self):
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        return fields | self.profile()


class StatsForm(forms.Form):
    """The period and filters of the statistics (a GET form)."""

    period = forms.ChoiceField(label=_("Période"), required=False)
    start = forms.DateField(
        label=_("Du"), required=False, validators=[validate_day], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, validators=[validate_day], widget=forms.DateInput(attrs={"type": "date"})
    )
    stop = forms.CharField(
        label=_("Arrêt"), required=False, max_length=200, help_text=_("Nom ou identifiant ; vide : tous les arrêts.")
    )
    partner = forms.ModelChoiceField(
        label=_("Partenaire"), queryset=None, required=False, empty_label=_("Tous"), to_field_name="code"
    )

    MAX_DAYS = 10 * 366

    def __init__(self, data=None, *args, today, stops, organisations, **kwargs):
        """`stops`: those the coordinator may see, among which the stop is looked for;
        `organisations`: those whose activity they may see, one of which they may choose, and
        whose partners are listed with the national ones."""
        self.stops = stops
        self.today = today
        self.quick = {key: (label, start, end) for key, label, start, end in quick_periods(today)}
        super().__init__(self._as_shown(data), *args, **kwargs)
        self.fields["period"].choices = [("", _("Dates choisies")), *((k, v[0]) for k, v in self.quick.items())]
        self.fields["partner"].queryset = Partner.objects.national_or_of(organisations).order_by("position", "name")
        choose_organisation(self, organisations)

    def _as_shown(self, data):
        """The form as the page reads it: no dates is this month, and a period leaves the dates aside."""
        if data is None:
            return None
        data = data.copy()
        if not any(data.get(name) for name in ("period", "start", "end")):
            data["period"] = "this-month"
        if data.get("period") in self.quick:
            data.pop("start", None)
            data.pop("end", None)
        return data

    def clean_stop(self):

        text = self.cleaned_data["stop"].strip()
        if not text:
            return None
        stop = self.stops.filter(slug=text).first()
        if stop:
            return stop
        matches = list(self.stops.filter(name__icontains=text)[:2])
        if len(matches) == 1:
            return matches[0]
        raise forms.ValidationError(
            _("Plusieurs arrêts correspondent : précisez.") if matches else _("Aucun arrêt ne correspond.")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("period"):
            _label, start, end = self.quick[data["period"]]
        elif not (start and end):
            raise forms.ValidationError(_("Indiquez les deux dates, ou choisissez une période."))
        if end < start:
            raise forms.ValidationError(_("La date de fin doit être le même jour que la date de début ou après."))
        if (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError(_("Choisissez une période de dix ans au plus."))
        data["start"], data["end"] = start, end
        return data

    def filters(self, organisations):
        """`organisations`: those whose activity is counted (None: every one), unless one is chosen."""
        data = self.cleaned_data
        organisations = counted(data, organisations)
        return Filters(data["start"], data["end"], data.get("stop"), data.get("partner"), organisations)


def choose_organisation(form, organisations):
    """Someone who sees several organisations' activity may look at one of them."""
    organisations = list(organisations)
    if len(organisations) > 1:
        form.fields["organisation"] = forms.ModelChoiceField(
            label=_("Structure"),
            queryset=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
            required=False,
            empty_label=_("Toutes"),
            to_field_name="slug",
        )


def counted(data, organisations):
    """The organisations counted: the one chosen, or all of `organisations`."""
    chosen = data.get("organisation")
    return Organisation.objects.filter(pk=chosen.pk) if chosen else organisations


class FranceServicesForm(forms.Form):
    month = forms.DateField(
        label=_("Mois"),
        input_formats=["%Y-%m"],
        validators=[validate_day],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        choose_organisation(self, organisations)


class TicketAlertForm(forms.Form):
    """On a ticket's page: an SMS when the visitor's turn is near (visits.tickets)."""

    phone = MobileNumberField()
    consent = forms.BooleanField(
        label=_(
            "J'accepte que ce numéro soit gardé pour m'envoyer ce SMS. "
            "Il est effacé dès l'envoi, et ce soir au plus tard."
        ),
        error_messages={"required": _("Cochez la case : sans votre accord, nous ne pouvons pas garder votre numéro.")},
    )


class CommitmentsForm(forms.Form):
    """The service commitments an organisation makes, one group of fields per kind the app measures
    (visits.quality): taken or not, its threshold, its target and a text published with it."""

    THRESHOLDS = {Commitment.Kind.QUICK_WELCOME: "minutes", Commitment.Kind.RELIABLE_HOURS: "notice_hours"}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        chosen = {c.kind: c for c in Commitment.objects.filter(organisation=organisation)}
        self.groups = []
        for kind, label in Commitment.Kind.choices:
            current = chosen.get(kind) or Commitment(organisation=organisation, kind=kind)
            names = [f"{kind}-chosen"]
            self.fields[f"{kind}-chosen"] = forms.BooleanField(
                label=_("Nous prenons cet engagement"), required=False, initial=kind in chosen
            )
            if threshold := self.THRESHOLDS.get(kind):
                self.fields[f"{kind}-{threshold}"] = _model_field(threshold, current)
                names.append(f"{kind}-{threshold}")
            self.fields[f"{kind}-target"] = _model_field("target", current)
            self.fields[f"{kind}-text"] = _model_field("text", current)
            names += [f"{kind}-target", f"{kind}-text"]
            self.groups.append((kind, label, [self[name] for name in names]))

    def clean(self):
        """A threshold or a target is needed for a commitment taken, not for one left aside."""
        cleaned = super().clean()
        for kind, _label, fields in self.groups:
            if not cleaned.get(f"{kind}-chosen"):
                continue
            for bound in fields:
                name = bound.name
                needed = name.endswith(("-target", "-minutes", "-notice_hours"))
                if needed and cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Indiquez une valeur pour cet engagement."))
        return cleaned

    def commitments(self):
        """The commitments chosen, unsaved, in the order of the kinds."""
        chosen = []
        for position, kind in enumerate(Commitment.Kind.values):
            if not self.cleaned_data[f"{kind}-chosen"]:
                continue
            values = {
                name: self.cleaned_data[f"{kind}-{name}"]
                for name in ("target", "text", self.THRESHOLDS.get(kind))
                if name and f"{kind}-{name}" in self.cleaned_data
            }
            chosen.append(Commitment(organisation=self.organisation, kind=kind, position=position, **values))
        return chosen


def _model_field(name, commitment):
    """The form field of Commitment's `name`, with the commitment's value."""
    model_field = Commitment._meta.get_field(name)
    # A plain form does not run the model's validators (a ModelForm would): they go with the field.
    field = model_field.formfield(validators=model_field.validators)
    field.initial = getattr(commitment, name)
    field.required = False  # needed only for a commitment taken: CommitmentsForm.clean
    return field


COMMENT_WARNING = _(
    "Ce commentaire est anonyme : n'écrivez ni votre nom, ni votre adresse, ni votre numéro de téléphone. "
    "Les adresses électroniques et les numéros de téléphone sont masqués avant l'enregistrement."
)
CLARITY_CHOICES = [(n, str(n)) for n in range(1, 6)]


class FeedbackQuestions(forms.Form):
    """The three questions of an opinion, each answered by a touch (visits.feedback)."""

    mood = forms.ChoiceField(
        label=_("Comment ça s'est passé ?"),
        choices=Mood.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un des trois visages.")},
    )
    answered = forms.ChoiceField(
        label=_("Avez-vous eu une réponse à votre demande ?"),
        choices=Answered.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    clarity = forms.TypedChoiceField(
        label=_("Les explications étaient-elles claires ?"),
        choices=CLARITY_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )


class KioskFeedbackForm(FeedbackQuestions):
    """The opinion given on the bus's kiosk: no free text."""

    def clean(self):
        data = super().clean()
        if self.data.get("comment"):  # nobody types on the kiosk: text there is not a visitor's
            raise forms.ValidationError(_("La borne ne prend pas de commentaire."))
        return data


class TicketFeedbackForm(FeedbackQuestions):
    """The opinion given on one's ticket's page, once the visit is over (visits.feedback)."""

    comment = forms.CharField(
        label=_("Un commentaire ? (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        help_text=COMMENT_WARNING,
    )

    def __init__(self, *args, asks_whether_answered=True, **kwargs):
        """`asks_whether_answered`: False for a visitor who left without being received."""
        super().__init__(*args, **kwargs)
        if not asks_whether_answered:
            del self.fields["answered"]
            del self.fields["clarity"]


class HandleFeedbackForm(forms.Form):
    """A coordinator's answer to a comment: what was done about it."""

    note = forms.CharField(
        label=_("Ce que nous avons fait"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        error_messages={"required": _("Dites en quelques mots ce qui a été fait.")},
    )
    publish = forms.BooleanField(
        label=_("Publier ce que nous avons fait sur la page des engagements"),
        help_text=_("Seul ce texte est publié, jamais le commentaire."),
        required=False,
    )


# What a computer without connection may record (visits.offline.ACTIONS does each).
OFFLINE_ACTIONS = ["register", "deblayage", "accompagnement", "left", "finish_deblayage", "finish_accompagnement"]


class OfflineActionForm(forms.Form):
    """The envelope of an action a computer recorded without connection (visits.offline); its
    payload is the page's form, checked by that form."""

    key = forms.UUIDField()
    type = forms.ChoiceField(choices=[(kind, kind) for kind in OFFLINE_ACTIONS])
    client_time = forms.DateTimeField()
    device = forms.UUIDField(required=False)
    # A stop's address for a registration; a visit's number, or its registration's key, for a step.
    stop = forms.SlugField(required=False)
    visit = forms.CharField(required=False, max_length=36)

    def clean(self):
        data = super().clean()
        if data.get("type") == "register" and not data.get("stop"):
            raise forms.ValidationError(_("Il manque l'arrêt de ce passage."))
        if data.get("type") not in (None, "register") and not data.get("visit"):
            raise forms.ValidationError(_("Il manque le passage de cette étape."))
        return data
