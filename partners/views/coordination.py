"""The coordinator's pages for their organisations' own partners, procedures and orientation targets
(/coordination/partenaires/). The national ones are the national administrator's, in the admin: they
are listed here for reference.

Every object is read through the organisations' access helpers: another organisation's is a 404.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mairie_mobile import audit
from organisations import access
from organisations.models import Role
from organisations.roles import coordinator_required
from partners.forms import LocalPartnerForm, LocalProcedureForm, LocalTargetForm
from partners.models import OrientationTarget, Partner, Procedure


def _organisations(user):
    return access.organisations_of(user, Role.COORDINATOR)


def _get_local(queryset, user, pk):
    """A row of one of `user`'s organisations (not a national one), or a 404."""
    return access.get_for(queryset.local(), user, Role.COORDINATOR, "organisation", pk=pk)


@coordinator_required
def home(request):
    organisations = list(_organisations(request.user))
    procedures = Procedure.objects.national_or_of(organisations).select_related("organisation")
    partners = (
        Partner.objects.national_or_of(organisations)
        .select_related("organisation")
        .prefetch_related(Prefetch("procedures", procedures))
    )
    targets = OrientationTarget.objects.national_or_of(organisations).select_related("organisation")
    context = {
        "national_partners": [p for p in partners if p.organisation is None and p.active],
        "local_partners": [p for p in partners if p.organisation is not None],
        "national_targets": [t for t in targets if t.organisation is None and t.active],
        "local_targets": [t for t in targets if t.organisation is not None],
        # Someone in several organisations sees which one each row is of.
        "labelled": len(organisations) > 1,
    }
    return render(request, "coordination/partners.html", context)


@coordinator_required
def partner_edit(request, pk=None):
    new = _("Nouveau partenaire"), _("Partenaire « %(name)s » ajouté : cochez-le dans ses arrêts.")
    edited = _("Modifier le partenaire"), _("Partenaire « %(name)s » enregistré.")
    return _edit_local(request, Partner.objects, LocalPartnerForm, pk, new=new, edited=edited)


@coordinator_required
def target_edit(request, pk=None):
    new = _("Nouveau lieu d'orientation"), _("Lieu d'orientation « %(name)s » ajouté.")
    edited = _("Modifier le lieu d'orientation"), _("Lieu d'orientation « %(name)s » enregistré.")
    return _edit_local(request, OrientationTarget.objects, LocalTargetForm, pk, new=new, edited=edited)


@coordinator_required
def procedure_new(request, pk):
    """A procedure of a local partner, or an organisation's own procedure of a national partner."""
    partners = Partner.objects.national_or_of(_organisations(request.user)).select_related("organisation")
    partner = get_object_or_404(partners, pk=pk)
    title = _("Nouvelle démarche – %(partner)s") % {"partner": partner.short_name}
    success = _("Démarche « %(name)s » ajoutée.")
    return _form_page(request, LocalProcedureForm, Procedure(partner=partner), title=title, success=success)


@coordinator_required
def procedure_edit(request, pk):
    procedure = _get_local(Procedure.objects.select_related("partner__organisation"), request.user, pk)
    title = _("Modifier la démarche – %(partner)s") % {"partner": procedure.partner.short_name}
    success = _("Démarche « %(name)s » enregistrée.")
    return _form_page(request, LocalProcedureForm, procedure, title=title, success=success)


def _edit_local(request, queryset, form_class, pk, *, new, edited):
    """Add a row of one of the coordinator's organisations (no `pk`), or change theirs; `new` and
    `edited`: the title and the success message of each."""
    row = _get_local(queryset, request.user, pk) if pk else None
    title, success = edited if row else new
    return _form_page(request, form_class, row, title=title, success=success)


def _form_page(request, form_class, instance, *, title, success):
    """Save a valid form and go back to the list, or show the form (with its errors)."""
    form = form_class(request.POST or None, instance=instance, organisations=_organisations(request.user))
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        done = success % {"name": saved}
        audit.record(
            audit.Action.PARTNERS_EDIT, done, user=request.user, request=request, organisations=[saved.organisation]
        )
        messages.success(request, done)
        return redirect("partners:home")
    context = {
        "form": form,
        "title": title,
        "section": _("Partenaires et lieux d'orientation"),
        "section_url": reverse("partners:home"),
    }
    return render(request, "coordination/form.html", context, status=400 if form.errors else 200)
