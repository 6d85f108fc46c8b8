import functools

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from organisations.api import router as organisations_router
from stops.api import router as stops_router
from stops.api import validation_error_response
from visits.api import router as quality_router

api = NinjaAPI(
    title="Mairie mobile",
    version="1",
    description=gettext_noop(
        "Horaires publics de la Mairie mobile : arrêts et ouvertures ; engagements de service des structures, "
        "mesurés chaque mois. Les heures sont celles de Paris (Europe/Paris)."
    ),
    urls_namespace="api",
    docs_url=None,  # documented in French by mairie_mobile.views.api_docs
)
api.add_router("", organisations_router)
api.add_router("", stops_router)
api.add_router("", quality_router)
api.exception_handler(ValidationError)(validation_error_response)


def documentation():
    """The API described from its own OpenAPI schema, for its documentation page, in the page's language."""
    return _documentation(get_language())


@functools.cache
def _documentation(language):
    schema = api.get_openapi_schema()
    schemas = schema["components"]["schemas"]
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = {str(code): response for code, response in operation["responses"].items()}
            answer = responses["200"]["content"]["application/json"]["schema"]
            item_schema = answer.get("items", answer)  # a list of items, or one object
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": _translated(operation.get("summary")),
                    "description": _translated(operation.get("description")),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "required": parameter.get("required", False),
                            "type": _type_of(parameter["schema"]),
                            "description": _translated(parameter.get("description")),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "fields": _fields(schemas[item_schema["$ref"].rsplit("/", 1)[-1]]),
                    "errors": [code for code in responses if code != "200"],
                }
            )
    return operations


def _fields(model):
    return [
        {
            "name": name,
            "type": _type_of(field),
            "description": _translated(field.get("description")),
        }
        for name, field in model["properties"].items()
    ]


def _translated(text):
    """The schema's texts are marked for translation where they are written (stops/api.py)."""
    return _(text) if text else ""


TYPES = {
    "string": gettext_noop("texte"),
    "number": gettext_noop("nombre"),
    "integer": gettext_noop("entier"),
    "boolean": gettext_noop("booléen"),
    "array": gettext_noop("liste"),
    "object": gettext_noop("objet"),
}
FORMATS = {"date": gettext_noop("date AAAA-MM-JJ")}


def _type_of(field):
    if "$ref" in field:
        return _(TYPES["object"])
    if "anyOf" in field:
        return f" {_('ou')} ".join(_type_of(option) for option in field["anyOf"])
    if "enum" in field:
        return " | ".join(str(value) for value in field["enum"])
    if field.get("type") == "array":
        return _("liste de %(type)s") % {"type": _type_of(field.get("items", {}))}
    return _(FORMATS.get(field.get("format"), TYPES.get(field.get("type"), field.get("type", TYPES["string"]))))
