"""The coordinator's forms for their organisations' own partners, procedures and orientation targets."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from organisations.forms import ForOrganisation
from partners.models import OrientationTarget, Partner, Procedure

# Listed after the national partners (ranked 1 to 12 by the France services list).
LOCAL_POSITION = 100


class LocalForm(ForOrganisation, forms.ModelForm):
    """A row of one organisation. Its organisation (and a procedure's partner) being no field of the form,
    the unique constraints that name them are checked here, once the form's own fields are valid."""

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                self.instance.validate_constraints()
            except ValidationError as error:
                self.add_error(None, error)


class LocalPartnerForm(LocalForm):
    family = forms.ChoiceField(
        label=_("Famille"),
        choices=[(family.value, family.label) for family in (Partner.Family.CITY, Partner.Family.OTHER)],
        initial=Partner.Family.OTHER,
    )

    class Meta:
        model = Partner
        fields = ["name", "short_name", "family", "active"]

    def save(self, commit=True):
        """A new partner's code is its organisation's slug and its short name (« paris-ccas »): the stops
        file and the exports name it, it does not change."""
        partner = self.instance
        if partner.pk is None:
            partner.code = Partner.objects.new_code(partner.organisation, partner.short_name)
            partner.position = LOCAL_POSITION
        return super().save(commit)


class LocalProcedureForm(LocalForm):
    """A procedure of a local partner (its organisation's), or an organisation's own of a national partner."""

    class Meta:
        model = Procedure
        fields = ["label", "active"]

    def __init__(self, *args, instance, organisations, **kwargs):
        """`instance`: the procedure, or a new one of its partner."""
        if instance.partner.organisation_id:
            organisations = [instance.partner.organisation]
        super().__init__(*args, instance=instance, organisations=organisations, **kwargs)


class LocalTargetForm(LocalForm):
    class Meta:
        model = OrientationTarget
        fields = ["name", "description", "position", "active"]
