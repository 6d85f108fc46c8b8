from django import forms
from django.utils.translation import gettext_lazy as _

from stops.models import Closure, ExtraOpening, Stop, WeeklySlot


class StopSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Commune ou code postal"),
        max_length=100,
        required=False,
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


class WeeklySlotForm(forms.ModelForm):
    class Meta:
        model = WeeklySlot
        fields = ["weekday", "start", "end", "every_weeks", "starts_on", "ends_on"]


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason"]


class ExtraOpeningForm(forms.ModelForm):
    class Meta:
        model = ExtraOpening
        fields = ["date", "start", "end", "reason"]
