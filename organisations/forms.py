from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation


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
