from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _


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
