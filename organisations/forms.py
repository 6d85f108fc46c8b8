from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, Role


class TeamFilterForm(forms.Form):
    """Which of one's organisations the team page shows (asked only of those with several)."""

    structure = forms.ModelChoiceField(
        label=_("Structure"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = organisations


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Courriel de la personne"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=Role.choices,
        initial=Role.AGENT,
        widget=forms.RadioSelect,
        help_text=_(
            "Agent : accueille les visiteurs. Coordination : modifie aussi les arrêts et les horaires, "
            "suit les statistiques et constitue l'équipe."
        ),
    )
    organisation = forms.ModelChoiceField(
        label=_("Structure"), queryset=Organisation.objects.none(), empty_label=_("Choisissez la structure")
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        first_two = list(organisations[:2])
        self.several = len(first_two) > 1
        self.only = first_two[0] if len(first_two) == 1 else None
        if self.only:  # nothing to choose
            del self.fields["organisation"]

    def clean(self):
        cleaned_data = super().clean()
        if self.only:
            cleaned_data["organisation"] = self.only
        return cleaned_data


class AccountForm(UserCreationForm):
    """The account an invited person creates: their name, a username, a password typed twice
    (checked by Django's password validators, against their name and address too)."""

    class Meta(UserCreationForm.Meta):
        fields = ("first_name", "last_name", "username")
        labels = {"first_name": _("Prénom"), "last_name": _("Nom"), "username": _("Identifiant")}
        help_texts = {
            "username": _("Pour vous connecter. Lettres, chiffres et les signes . @ + - _ seulement."),
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password1"].label = _("Mot de passe")
        self.fields["password2"].label = _("Le même mot de passe")
        self.fields["password2"].help_text = _("Pour vérifier qu'il n'y a pas de faute de frappe.")


def ask_organisation(form, organisations, *, national=False):
    """A new row of one of `organisations`: the only one, or a choice. With `national` (the national
    administrator), choosing none means the whole country."""
    organisations = list(organisations)
    if len(organisations) == 1 and not national:
        form.instance.organisation = organisations[0]
        return
    form.fields["organisation"] = forms.ModelChoiceField(
        label=_("Structure"),
        queryset=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        required=not national,
        empty_label=_("Tous les arrêts du pays") if national else None,
    )
    form.order_fields(["organisation"])


class ForOrganisation:
    """A model form for a row of one of `organisations`: asked for a new row when there is a choice."""

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            ask_organisation(self, organisations)

    def _post_clean(self):
        if "organisation" in self.cleaned_data:
            self.instance.organisation = self.cleaned_data["organisation"]
        super()._post_clean()
