import re

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisations.forms import ForOrganisation, ask_organisation
from organisations.models import Organisation
from partners.models import Partner
from stops import schedule, wording
from stops.closure_reasons import sort_reason
from stops.models import Closure, ClosureReason, ExtraOpening, Stop, WeeklySlot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# The longest commune name in France is 45 characters: past this, it is not a search.
QUERY_MAX_LENGTH = 100


class StopSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Commune ou code postal"),
        help_text=_("Par exemple : Roubaix, 59100, Saint-Étienne ou Paris 18e."),
        max_length=QUERY_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": _(
                "Cette recherche est trop longue (%(limit_value)d caractères au plus). "
                "Tapez le nom de votre commune ou son code postal."
            )
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "address-level2"}),
    )


class StopForm(forms.ModelForm):
    class Meta:
        model = Stop
        fields = [
            "slug",
            "name",
            "kind",
            "address",
            "postcode",
            "city",
            "landmark",
            "latitude",
            "longitude",
            "accessibility_note",
            "school_holidays_zone",
            "closed_on_public_holidays",
            "active",
        ]


class StopEditForm(ForOrganisation, StopForm):
    """A stop as the coordinator edits it, with the partners it serves: the national ones and its
    organisation's own."""

    partners = forms.ModelMultipleChoiceField(
        label=_("Partenaires dont les démarches sont accompagnées"),
        queryset=Partner.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta(StopForm.Meta):
        fields = [*StopForm.Meta.fields, "partners"]

    def __init__(self, *args, **kwargs):
        """`organisations`: those the coordinator may add a stop to; asked only when there is a choice."""
        super().__init__(*args, **kwargs)
        partners = self.fields["partners"]
        if "organisation" in self.fields:  # the partners of each organisation that may be chosen, named with it
            organisations = self.fields["organisation"].queryset
            partners.queryset = Partner.objects.active().national_or_of(organisations).select_related("organisation")
            partners.label_from_instance = _with_organisation
        else:
            partners.queryset = Partner.objects.offered_in(self.instance.organisation_id)

    def clean(self):
        data = super().clean()
        if organisation := data.get("organisation"):
            elsewhere = [p for p in data.get("partners", []) if p.organisation_id not in (None, organisation.pk)]
            if elsewhere:
                message = _("%(partners)s : partenaire(s) d'une autre structure que celle de l'arrêt.")
                self.add_error("partners", message % {"partners": ", ".join(map(str, elsewhere))})
        return data


def _with_organisation(partner):
    if partner.organisation is None:
        return str(partner)
    return _("%(partner)s (%(organisation)s)") % {"partner": partner, "organisation": partner.organisation}


class ForStop:
    """A form for rows of one stop: `stop` (None: none given) is set on what it saves."""

    def __init__(self, *args, stop=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop

    def save(self, commit=True):
        if self.stop is not None:
            self.instance.stop = self.stop
        return super().save(commit)


class WeeklySlotForm(ForStop, forms.ModelForm):
    """A weekly slot. With `stop`, it must not overlap the stop's other slots."""

    class Meta:
        model = WeeklySlot
        fields = ["weekday", "start", "end", "every_weeks", "starts_on", "ends_on"]
        widgets = {"start": TIME, "end": TIME, "starts_on": DATE, "ends_on": DATE}

    def clean(self):
        data = super().clean()
        if self.stop is None or self.errors:
            return data
        candidate = WeeklySlot(stop=self.stop, **{name: data.get(name) for name in self.Meta.fields})
        others = self.stop.slots.exclude(pk=self.instance.pk).order_by("weekday", "start")
        overlapped = [other for other in others if schedule.slots_overlap(candidate, other)]
        if overlapped:
            *first, last = [
                _("%(weekday)s %(hours)s")
                % {"weekday": o.get_weekday_display(), "hours": wording.format_hours(o.start, o.end)}
                for o in overlapped
            ]
            slots = _("%(first)s et du %(last)s") % {"first": _(", du ").join(first), "last": last} if first else last
            message = ngettext(
                "Certains jours, ce créneau chevauche celui du %(slots)s.",
                "Certains jours, ce créneau chevauche ceux du %(slots)s.",
                len(overlapped),
            )
            raise forms.ValidationError(message, params={"slots": slots})
        return data


def refuse_rather_than_cut(field):
    """A browser cuts a pasted text at `maxlength` without a word: the form says it is too long instead."""
    field.widget.attrs.pop("maxlength", None)


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason_kind", "reason"]
        widgets = {"first_day": DATE, "last_day": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_kind"].required = False

    def clean(self):
        data = super().clean()
        sort_typed_reason(data)
        # Left out of the form, the field would keep its default.
        self.instance.reason_kind = data["reason_kind"]
        return data


def sort_typed_reason(data):
    """Without a reason from the list (a stops file, a script written before it), the text is sorted
    into the list: « Grève » is the reason strike, any other text the detail of « other »."""
    if not data.get("reason_kind"):
        data["reason_kind"], data["reason"] = sort_reason(data.get("reason") or "")


class ClosureEditForm(ForStop, ClosureForm):
    """A closure of `stop`, as the coordinator adds or changes it. Without a stop, a closure of
    every stop of one of `organisations` (the one the closure has, once made); with `national`,
    the national administrator's, of every stop of the country when no organisation is chosen."""

    def __init__(self, *args, organisations=None, national=False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.stop is None and self.instance.pk is None:
            ask_organisation(self, organisations, national=national)
        refuse_rather_than_cut(self.fields["reason"])
        self.fields["last_day"].required = False
        self.fields["last_day"].help_text = _("Vide : un seul jour.")

    def clean(self):
        data = super().clean()
        if not data.get("last_day") and "last_day" not in self.errors:
            data["last_day"] = data.get("first_day")
        if "organisation" in self.fields:
            self.instance.organisation = data.get("organisation")
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first <= last:
            duplicates = Closure.objects.filter(
                stop=self.stop,
                organisation=None if self.stop else self.instance.organisation,
                first_day=first,
                last_day=last,
            ).exclude(pk=self.instance.pk)
            if duplicates.exists():
                raise forms.ValidationError(_("Une fermeture existe déjà pour ces dates."))
        return data


class ExtraOpeningForm(ForStop, forms.ModelForm):
    """An exceptional opening. With `stop`, it must not repeat an opening the stop already has."""

    class Meta:
        model = ExtraOpening
        fields = ["date", "start", "end", "reason"]
        widgets = {"date": DATE, "start": TIME, "end": TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_rather_than_cut(self.fields["reason"])

    def clean(self):
        data = super().clean()
        if self.stop is None or self.errors:
            return data
        day = data["date"]
        candidate = ExtraOpening(stop=self.stop, date=day, start=data["start"], end=data["end"])
        extras = self.stop.extra_openings.filter(date=day).exclude(pk=self.instance.pk)
        if any(schedule.hours_overlap(candidate, extra) for extra in extras):
            raise forms.ValidationError(_("Une autre ouverture exceptionnelle a déjà lieu à ces heures ce jour-là."))
        usual = [o for o in schedule.openings(day, day, [self.stop]) if o.is_open and not o.extra]
        if any(schedule.hours_overlap(candidate, o) for o in usual):
            raise forms.ValidationError(
                _("L'arrêt est déjà ouvert à ces heures ce jour-là (créneau habituel) : rien à ajouter.")
            )
        return data


class CancelOpeningForm(forms.Form):
    reason_kind = forms.ChoiceField(
        label=_("Motif affiché au public"),
        choices=ClosureReason.choices,
        initial=ClosureReason.BREAKDOWN,
        required=False,
    )
    reason = forms.CharField(
        label=_("Précision (facultative)"),
        max_length=200,
        required=False,
        help_text=Closure._meta.get_field("reason").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_rather_than_cut(self.fields["reason"])

    def clean(self):
        data = super().clean()
        sort_typed_reason(data)
        if data.get("reason_kind") == ClosureReason.OTHER and not data.get("reason", "").strip():
            self.add_error("reason", _("Précisez le motif de la fermeture."))
        return data


# The mobiles of France and of its overseas départements and collectivities.
FRENCH_REGIONS = {"FR", "GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM"}
DIGITS_ONLY = _("Tapez seulement les chiffres de votre numéro de mobile, par exemple 06 12 34 56 78.")
PHONE_CHARACTERS = re.compile(r"[0-9 .+()\-]{6,25}")


def mobile_number(text):
    """`text` as an E.164 French mobile number (+33612345678); ValidationError with a French message."""
    text = text.strip()
    if not PHONE_CHARACTERS.fullmatch(text):
        raise forms.ValidationError(DIGITS_ONLY, code="characters")
    number = _parsed(text)
    if number is None:
        raise forms.ValidationError(
            _("Ce numéro n'existe pas : vérifiez-le, par exemple 06 12 34 56 78."), code="invalid"
        )
    if phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS:
        raise forms.ValidationError(_("Nous envoyons des SMS aux numéros français seulement."), code="foreign")
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise forms.ValidationError(
            _("Ce numéro n'est pas un mobile : les SMS partent vers un numéro en 06 ou 07."), code="landline"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(text):
    """The valid number `text` spells, in France first, then overseas (0692… is in La Réunion), or None."""
    for region in ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None


class MobileNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Votre numéro de mobile"))
        kwargs.setdefault("max_length", 25)
        kwargs.setdefault("error_messages", {"max_length": DIGITS_ONLY})
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return mobile_number(value) if value else value


class SubscriptionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Être prévenu"),
        choices=[("email", _("par courriel")), ("sms", _("par SMS"))],
        initial="email",
        required=False,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = MobileNumberField(required=False)
    stop = forms.SlugField(widget=forms.HiddenInput, required=False)
    organisation = forms.SlugField(widget=forms.HiddenInput, required=False)
    every_stop = forms.BooleanField(required=False)
    # Left empty by people, who do not see it; filled by robots, whose requests are ignored.
    website = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, organisation=None, **kwargs):
        """`organisation`: the one whose stops « every stop » means, when the form is shown."""
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.initial.setdefault("organisation", organisation.slug)
            label = _("Prévenez-moi pour tous les arrêts de « %(name)s »") % {"name": organisation.name}
            self.fields["every_stop"].label = label

    @property
    def sms_offered(self):
        return bool(settings.SMS_URL)

    def clean(self):
        """What is followed: `stop` (None: every stop) of `organisation` (the stop's, the one named,
        or the only one there is)."""
        data = super().clean()
        data["channel"] = data.get("channel") or "email"
        unused = "email" if data["channel"] == "sms" else "phone"
        self.errors.pop(unused, None)  # what was typed in the field of the other channel, hidden, does not count
        if data["channel"] == "sms" and not settings.SMS_URL:
            self.add_error("channel", _("Les SMS ne sont pas proposés ici : abonnez-vous par courriel."))
        elif data["channel"] == "sms" and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Tapez votre numéro de mobile, par exemple 06 12 34 56 78."))
        elif data["channel"] == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Tapez votre adresse électronique."))
        stop, organisation = None, None
        if data.get("stop"):
            stop = Stop.objects.active().select_related("organisation").filter(slug=data["stop"]).first()
            if stop is None:
                raise forms.ValidationError(_("Cet arrêt n'existe pas ou plus : choisissez-en un dans les horaires."))
            organisation = stop.organisation
        elif data.get("organisation"):
            organisation = Organisation.objects.active().filter(slug=data["organisation"]).first()
        else:
            only = list(Organisation.objects.active()[:2])
            organisation = only[0] if len(only) == 1 else None
        if organisation is None:
            raise forms.ValidationError(_("Choisissez d'abord un arrêt, ou une structure, dans les horaires."))
        data["stop"] = None if data.get("every_stop") else stop
        data["organisation"] = organisation
        return data


class SmsCodeForm(forms.Form):
    """The code of the SMS, typed on the page, for the number it was sent to."""

    phone = MobileNumberField(widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("Code reçu par SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={
            "invalid": _("Le code a 6 chiffres : tapez-le comme il est écrit dans le SMS."),
            "required": _("Tapez le code à 6 chiffres reçu par SMS."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SmsLeaveForm(forms.Form):
    """Stop the SMS of a number, from a stop's page: whatever it was subscribed to."""

    phone = MobileNumberField()
