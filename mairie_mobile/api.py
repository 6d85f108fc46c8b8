from ninja import NinjaAPI
from ninja.errors import ValidationError

from stops.api import router as stops_router
from stops.api import validation_error_response

api = NinjaAPI(
    title="Mairie mobile",
    version="1",
    description=(
        "Horaires publics de la Mairie mobile : arrêts et ouvertures. Les heures sont celles de Paris (Europe/Paris)."
    ),
    urls_namespace="api",
    docs_url="docs",
)
api.add_router("", stops_router)
api.exception_handler(ValidationError)(validation_error_response)
