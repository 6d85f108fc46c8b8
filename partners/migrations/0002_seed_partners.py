"""The France services partners (in the order of the official list), the City of Paris,
a few common procedures of each, and the places people are oriented to."""

from django.db import migrations

FRANCE_SERVICES = [
    (
        "dgfip",
        "Direction générale des Finances publiques (DGFiP)",
        "Impôts (DGFiP)",
        [
            "Déclaration de revenus",
            "Accès à l'espace particulier impots.gouv.fr",
            "Prélèvement à la source",
            "Paiement, délai ou réclamation",
        ],
    ),
    (
        "ants",
        "France Titres (Agence nationale des titres sécurisés, ANTS)",
        "France Titres (ANTS)",
        [
            "Pré-demande de carte d'identité ou de passeport",
            "Permis de conduire",
            "Certificat d'immatriculation (carte grise)",
        ],
    ),
    (
        "point-justice",
        "Point-Justice (accès au droit)",
        "Point-Justice",
        ["Information juridique", "Rendez-vous avec un juriste"],
    ),
    ("la-poste", "La Poste", "La Poste", ["Identité numérique La Poste", "Suivi de courrier ou de colis"]),
    (
        "france-travail",
        "France Travail (anciennement Pôle emploi)",
        "France Travail",
        ["Inscription", "Actualisation mensuelle", "Espace personnel France Travail"],
    ),
    (
        "caf",
        "Caisse d'allocations familiales (Caf)",
        "Caf",
        ["Déclaration trimestrielle RSA", "Prime d'activité", "Aide au logement", "Espace « Mon compte » Caf"],
    ),
    (
        "cpam",
        "Assurance Maladie (CPAM)",
        "Assurance Maladie",
        ["Compte ameli", "Carte Vitale", "Complémentaire santé solidaire", "Attestation de droits"],
    ),
    (
        "assurance-retraite",
        "Assurance retraite",
        "Assurance retraite",
        ["Demande de retraite en ligne", "Relevé de carrière", "Allocation de solidarité aux personnes âgées (Aspa)"],
    ),
    ("msa", "Mutualité sociale agricole (MSA)", "MSA", ["Espace privé MSA", "Prestations familiales MSA"]),
    (
        "cheque-energie",
        "Chèque énergie",
        "Chèque énergie",
        ["Utiliser son chèque énergie", "Réclamation chèque énergie"],
    ),
    (
        "anah",
        "Agence nationale de l'habitat (Anah, France Rénov')",
        "Anah",
        ["MaPrimeRénov'", "MaPrimeAdapt'"],
    ),
]

CITY = (
    "ville-de-paris",
    "Ville de Paris",
    "Ville de Paris",
    [
        "Rendez-vous avec un service de la mairie",
        "Enlèvement des encombrants",
        "Facil'Familles",
        "Remboursement de carte de transport",
        "Inscription sur les listes électorales",
    ],
)

ORIENTATION_TARGETS = [
    ("Agence locale d'un partenaire", "Caf, Assurance Maladie, France Travail, centre des Finances publiques…"),
    ("Mairie d'arrondissement", ""),
    ("PIMMS (Point information médiation multi services)", ""),
    ("Espace parisien des solidarités (EPS)", "Service social de proximité de la Ville de Paris"),
    ("Point-Justice", "Permanences juridiques gratuites"),
    ("Espace France services", "Pour une démarche qui demande un rendez-vous"),
    ("Autre lieu", "Précisez dans la note"),
]


def seed(apps, schema_editor):
    Partner = apps.get_model("partners", "Partner")
    Procedure = apps.get_model("partners", "Procedure")
    OrientationTarget = apps.get_model("partners", "OrientationTarget")
    rows = [(*partner, "france_services") for partner in FRANCE_SERVICES] + [(*CITY, "city")]
    for position, (code, name, short_name, procedures, family) in enumerate(rows, start=1):
        partner, _ = Partner.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short_name, "family": family, "position": position},
        )
        for label in procedures:
            Procedure.objects.get_or_create(partner=partner, label=label)
    for position, (name, description) in enumerate(ORIENTATION_TARGETS, start=1):
        OrientationTarget.objects.update_or_create(
            name=name, defaults={"description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
