import functools

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
    docs_url=None,  # documented in French by mairie_mobile.views.api_docs
)
api.add_router("", stops_router)
api.exception_handler(ValidationError)(validation_error_response)


@functools.cache
def documentation():
    """The API described from its own OpenAPI schema, for the French documentation page."""
    schema = api.get_openapi_schema()
    schemas = schema["components"]["schemas"]
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = {str(code): response for code, response in operation["responses"].items()}
            item_schema = responses["200"]["content"]["application/json"]["schema"]["items"]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "required": parameter.get("required", False),
                            "type": _type_of(parameter["schema"]),
                            "description": parameter.get("description", ""),
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
            "description": field.get("description", ""),
        }
        for name, field in model["properties"].items()
    ]


TYPES = {"string": "texte", "number": "nombre", "integer": "entier", "boolean": "booléen", "array": "liste"}
FORMATS = {"date": "date AAAA-MM-JJ"}


def _type_of(field):
    if "anyOf" in field:
        return " ou ".join(_type_of(option) for option in field["anyOf"])
    if "enum" in field:
        return " | ".join(str(value) for value in field["enum"])
    if field.get("type") == "array":
        return f"liste de {_type_of(field.get('items', {}))}"
    return FORMATS.get(field.get("format"), TYPES.get(field.get("type"), field.get("type", "texte")))
