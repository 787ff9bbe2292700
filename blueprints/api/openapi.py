"""Operations declared once: their pydantic schemas validate the request, shape the response
and are the OpenAPI 3.1 document (pydantic writes JSON Schema 2020-12, OpenAPI 3.1's dialect).

A view is declared with `operation(...)`, naming its models in blueprints.api.schemas; it
receives the parsed `query` and `body` models and returns a response model (or `(model,
status, headers)`). Write operations are committed here, once, after the view returned, with
an audit row naming the token.

The schemas and pydantic (~8 MB) are imported by the first request that needs a model, not
when the routes are declared: a worker that serves only pages never loads them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache, wraps
from importlib import import_module
from typing import TYPE_CHECKING

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from blueprints.api import bp
from blueprints.api.auth import STORE_HEADER, acting_user, require_scope
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.images import MAX_BYTES as MAX_PHOTO_BYTES
from marketplace.services import programme, staff, users
from marketplace.validation import MAX_INT

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic import ValidationError as SchemaError

#: Query parameters every page understands (the language switch), never "unknown".
GLOBAL_QUERY = frozenset({"lang"})
ERROR_TEXT = {
    400: "The request is not valid",
    401: "No valid API token",
    403: "The token lacks the scope, or the account may not do this",
    404: "Not found, or not yours",
    409: "Conflicts with the current state",
    412: "The object changed since it was read (If-Match)",
    413: "The body is too large",
    415: "The body is not of the type the operation takes (JSON, or a photo's multipart)",
    422: "A rule of the marketplace refused it, or an Idempotency-Key reused with another body",
    428: "If-Match is required (send the ETag you read)",
    429: "Too many requests for this token",
}


class RequestRejected(DomainError):
    """A request the API refuses before any service sees it (shape, size, type)."""

    def __init__(self, status: int, message: str, errors: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status_code = status
        self.errors = errors or {}
        self.headers = headers or {}


@cache
def model_named(name: str) -> type[BaseModel]:
    """The model `name` of blueprints.api.schemas (importing them, and pydantic, once)."""
    return getattr(import_module("blueprints.api.schemas"), name)


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    #: Names of models in blueprints.api.schemas (see `model_named`).
    response: str | None
    status: int
    query: str | None = None
    body: str | None = None
    scope: str | None = None
    errors: tuple[int, ...] = ()
    upload: bool = False
    #: Response headers of the success answer, name -> description (for the document).
    headers: dict = field(default_factory=dict)
    #: Takes the Acting-Store header (a facilitator's choice of store).
    store: bool = False
    notes: str = ""

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    def statuses(self) -> list[int]:
        codes = {self.status, *self.errors, 429}
        if "<" in self.rule:
            codes.add(404)
        if self.query or self.body or self.upload:
            codes.add(400)
        if self.body:
            codes |= {413, 415}
        if self.upload:
            codes |= {413, 415, 422}
        if self.scope:
            codes |= {401, 403}
        if self.store:
            codes |= {400, 404}
        if self.method == "POST":
            codes.add(422)
        return sorted(codes)


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, *, summary: str, response: str | None, tag: str,
              status: int = 200, query: str | None = None, body: str | None = None,
              scope: str | None = None, errors: tuple[int, ...] = (), upload: bool = False,
              headers: dict | None = None, store: bool = False, notes: str = ""):
    """Declare and route one API operation (rule relative to /api/v1); `response`, `query`
    and `body` name models of blueprints.api.schemas."""

    def decorate(view):
        op = Operation(method, rule, view.__name__, summary, tag, response, status, query,
                       body, scope, errors, upload, headers or {}, store, notes)

        @wraps(view)
        def handle(**path):
            if store:
                # Checked before anything else, a replayed answer included.
                g.acting_store = _chosen_store()
            # Read once: the fingerprint hashes the whole body (an upload's photo included).
            idempotency = _idempotency(op) if scope and method == "POST" else None
            if idempotency is not None:
                replay = _replayed_answer(op, idempotency)
                if replay is not None:
                    return replay
            kwargs = dict(path)
            if query is not None:
                model = model_named(query)
                kwargs["query"] = _parse(model, _query_args(model))
            if body is not None:
                kwargs["body"] = _parse(model_named(body), _json_body())
            result = view(**kwargs)
            answer = _render(op, result)
            if method != "GET":
                if scope:
                    staff.record(acting_user(), f"api.{op.endpoint}", g.api_token,
                                 after={"request": f"{method} {request.path}",
                                        "status": answer.status_code})
                if idempotency is not None:
                    _remember_answer(op, idempotency, answer)
                try:
                    db.session.commit()
                except IntegrityError:
                    # A twin request with the same Idempotency-Key committed first.
                    db.session.rollback()
                    replay = idempotency and _replayed_answer(op, idempotency)
                    if replay is None:
                        raise
                    return replay
            return answer

        guarded = require_scope(scope)(handle) if scope else handle
        bp.add_url_rule("/v1" + rule, endpoint=view.__name__, view_func=guarded,
                        methods=[method])
        OPERATIONS.append(op)
        return guarded

    return decorate


# --- requests ---------------------------------------------------------------------------------

def _query_args(model: type[BaseModel]) -> dict:
    unknown = sorted(set(request.args) - set(model.model_fields) - GLOBAL_QUERY)
    if unknown:
        raise RequestRejected(400, _("Unknown parameters."),
                              {name: _("Unknown field.") for name in unknown})
    return {k: v for k, v in request.args.items() if k in model.model_fields}


def _json_body() -> object:
    if request.mimetype != "application/json":
        raise RequestRejected(415, _("Send the body as JSON (Content-Type: application/json)."))
    limit = current_app.config["API_MAX_JSON_BYTES"]
    if (request.content_length or 0) > limit:
        raise RequestRejected(413, _("The request body is too large."))
    raw = request.get_data(cache=True)
    if len(raw) > limit:  # a chunked body has no Content-Length to refuse it by
        raise RequestRejected(413, _("The request body is too large."))
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise RequestRejected(400, _("The body is not valid UTF-8.")) from None
    except json.JSONDecodeError as exc:
        raise RequestRejected(400, _("The JSON is malformed at line %(line)d, column %(col)d "
                                     "(character %(pos)d): %(why)s.", line=exc.lineno,
                                     col=exc.colno, pos=exc.pos, why=exc.msg)) from None


def _chosen_store():
    raw = request.headers.get(STORE_HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= MAX_INT):
        raise RequestRejected(400, _("%(header)s must be the id of a store.",
                                     header=STORE_HEADER),
                              {STORE_HEADER: _("Enter a whole number.")})
    return programme.store_to_work_on(acting_user(), int(raw))


#: Part types a photo may be declared as; the image pipeline still checks the bytes themselves.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/octet-stream",
                         ""})


def photo_upload() -> tuple[bytes, str]:
    """The `photo` file and its `alt` text from a multipart body.

    :raises RequestRejected: not multipart (415), unknown or missing fields (400), a part
        declared as another type (415), a photo over the pipeline's limit (413).
    """
    if request.mimetype != "multipart/form-data":
        raise RequestRejected(415, _("Send the photo as multipart/form-data, in a field named "
                                     "photo."))
    unknown = sorted((set(request.form) | set(request.files)) - {"photo", "alt"})
    if unknown:
        raise RequestRejected(400, _("Unknown parameters."),
                              {name: _("Unknown field.") for name in unknown})
    upload = request.files.get("photo")
    if upload is None:
        raise RequestRejected(400, _("Some fields are not valid."),
                              {"photo": _("This field is required.")})
    if upload.mimetype not in PHOTO_TYPES:
        raise RequestRejected(415, _("This file is not a JPEG, PNG or WebP photo."),
                              {"photo": _("This file is not a JPEG, PNG or WebP photo.")})
    data = upload.stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise RequestRejected(413, _("The photo is too large. The limit is 10 MB."),
                              {"photo": _("The photo is too large. The limit is 10 MB.")})
    return data, request.form.get("alt", "")


def entity_tag(representation: dict) -> str:
    """A strong ETag of a JSON representation: it changes whenever anything shown changes
    (`updated_at` included)."""
    canonical = json.dumps(representation, sort_keys=True, default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def require_if_match(current: str) -> None:
    """Refuse a write unless If-Match names the current ETag (or is `*`, RFC 9110).

    :raises RequestRejected: 428 without If-Match, 412 when the object changed meanwhile.
    """
    sent = request.headers.get("If-Match")
    if sent is None or not sent.strip():
        raise RequestRejected(428, _("Send If-Match with the ETag you read, so a change made "
                                     "meanwhile is not overwritten."))
    tags = [tag.strip() for tag in sent.split(",")]
    if "*" not in tags and current not in tags:
        raise RequestRejected(412, _("It was changed since you read it. Read it again and "
                                     "send the new ETag in If-Match."),
                              headers={"ETag": current})


def _parse(model: type[BaseModel], data: object) -> BaseModel:
    from pydantic import ValidationError as SchemaError

    try:
        return model.model_validate(data)
    except SchemaError as exc:
        raise RequestRejected(400, _("Some fields are not valid."), field_errors(exc)) from None


def field_errors(exc: SchemaError) -> dict:
    """Pydantic's errors as {"rows.2.price": "message in the reader's language"}."""
    errors = {}
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "body"
        errors.setdefault(where, _field_message(error))
    return errors


def _field_message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a number of at most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a number of at least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.", n=ctx.get("min_length"))
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(values)s.", values=ctx.get("expected", ""))
    if kind == "model_type" or kind == "dict_type":
        return _("Send a JSON object.")
    return _("This value is not valid.")


# --- responses and idempotency ----------------------------------------------------------------

def _render(op: Operation, result) -> Response:
    headers = {}
    status = op.status
    if isinstance(result, tuple):
        result, status, headers = result
    if result is None:
        return Response(status=status, headers=headers)
    # A dict is checked against the model; the model itself is taken as it is.
    body = model_named(op.response).model_validate(result).model_dump_json(by_alias=True)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def _idempotency(op: Operation) -> tuple[str, str] | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise RequestRejected(400, _("Idempotency-Key must be 1 to 200 characters."))
    return key, _fingerprint(op)


def _fingerprint(op: Operation) -> str:
    digest = hashlib.sha256()
    if op.upload and request.mimetype == "multipart/form-data":
        # A retry is wrapped in a new multipart boundary: compare what was sent, not the
        # wrapping (reading the raw body would also leave no form to parse).
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(hashlib.sha256(f"{name}={value}".encode()).digest())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(hashlib.sha256(f"{name}:{upload.filename}".encode()).digest())
            upload.stream.seek(0)  # the view may have read it already
            digest.update(hashlib.sha256(upload.stream.read()).digest())
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replayed_answer(op: Operation, idempotency: tuple[str, str]) -> Response | None:
    key, fingerprint = idempotency
    first = users.stored_answer(g.api_token, key, f"{op.method} {request.path}",
                                fingerprint)
    if first is None:
        return None
    return Response(first.response_body, status=first.status_code,
                    mimetype="application/json", headers={"Idempotent-Replayed": "true"})


def _remember_answer(op: Operation, idempotency: tuple[str, str], answer: Response) -> None:
    if answer.status_code >= 300:
        return  # refusals are not remembered: a corrected retry with the same key may pass
    key, fingerprint = idempotency
    users.remember_answer(g.api_token, key, f"{op.method} {request.path}", fingerprint,
                          answer.status_code, answer.get_data(as_text=True))


# --- the document -----------------------------------------------------------------------------

def _path_parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = ({"type": "integer", "minimum": 0, "maximum": MAX_INT}
                  if converter == "int" else {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        description = prop.pop("description", name)
        # A query string has no null: an optional parameter is simply left out.
        options = [o for o in prop.pop("anyOf", ()) if o.get("type") != "null"]
        value = {k: v for k, v in prop.items() if k not in ("title", "default")}
        if options:
            value.update(options[0])
        if prop.get("default") is not None:
            value["default"] = prop["default"]
        params.append({"name": name, "in": "query", "required": name in required,
                       "description": description, "schema": value})
    return params


def openapi_document(server_url: str) -> dict:
    """The whole OpenAPI 3.1 document, built from OPERATIONS (a misspelt model name fails
    here, where every operation's models are looked up)."""
    paths, schemas = _paths_and_schemas()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pasar Mandiri API", "version": "1",
                 "description": "The public catalogue, and with a token a store's products "
                                "and orders. Money is in whole rupiah; times are UTC."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A personal or service token from the account page. Scopes: "
                               + "; ".join(f"`{k}`: {v!s}" for k, v in
                                           users.SCOPES.items())}},  # in the reader's language
        },
    }


@cache
def _paths_and_schemas() -> tuple[dict, dict]:
    """The operations and their models, the same for every request: built once a process
    (20-30 ms each time /api/docs or openapi.json was served). Shared: never modified."""
    from pydantic.json_schema import models_json_schema

    models = sorted({(op.response, "serialization") for op in OPERATIONS if op.response}
                    | {(op.body, "validation") for op in OPERATIONS if op.body})
    by_model, top = models_json_schema([(model_named(name), mode) for name, mode in models],
                                       ref_template="#/components/schemas/{model}")
    refs = {(name, mode): by_model[model_named(name), mode] for name, mode in models}
    schemas = top.get("$defs", {})
    schemas["Error"] = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "What went wrong, in the reader's language"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Field (dotted path) -> message"}}}
    paths: dict = {}
    for op in OPERATIONS:
        item = paths.setdefault(op.path, {})
        params = _path_parameters(op.rule) + (_query_parameters(model_named(op.query))
                                              if op.query else [])
        if op.method == "POST" and op.scope:
            params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "Repeat a POST safely: the first answer (status and "
                                          "body) is returned again; the same key with "
                                          "another body is a 422",
                           "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
        if op.method in ("PATCH", "PUT", "DELETE") and 412 in op.errors:
            params.append({"name": "If-Match", "in": "header", "required": True,
                           "description": "The ETag you read (GET); a stale one is a 412 and "
                                          "changes nothing, none at all a 428; `*` overwrites "
                                          "whatever is there",
                           "schema": {"type": "string"}})
        if op.store:
            params.append({"name": STORE_HEADER, "in": "header", "required": False,
                           "description": "The id of the store to work on: a facilitator "
                                          "(pendamping) names the store whose owner consents "
                                          "to her acting for it (403 otherwise); an owner may "
                                          "leave it out (GET /vendor/stores lists the ids). "
                                          "Operations on one product or order work on that "
                                          "object's store",
                           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT}})
        responses = {}
        for code in op.statuses():
            if code == op.status:
                content = ({"application/json": {"schema": refs[(op.response, "serialization")]}}
                           if op.response else None)
                responses[str(code)] = {"description": "Done", **(
                    {"content": content} if content else {})}
                if op.headers:
                    responses[str(code)]["headers"] = {
                        name: {"description": text, "schema": {"type": "string"}}
                        for name, text in op.headers.items()}
            else:
                responses[str(code)] = {"description": ERROR_TEXT.get(code, "Error"),
                                        "content": {"application/json": {"schema": {
                                            "$ref": "#/components/schemas/Error"}}}}
        entry = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
                 "parameters": params, "responses": responses}
        if op.scope:
            entry["security"] = [{"bearer": [op.scope]}]
            entry["description"] = f"Scope: `{op.scope}`"
        if op.notes:
            entry["description"] = (entry.get("description", "") + "\n\n" + op.notes).strip()
        if op.body:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(op.body, "validation")]}}}
        if op.upload:
            photo_form = {"type": "object", "required": ["photo"], "additionalProperties": False,
                          "properties": {
                              "photo": {"type": "string", "contentMediaType": "image/jpeg",
                                        "description": "JPEG, PNG or WebP, up to 10 MB (the "
                                                       "part's type, if given, must be one of "
                                                       "these or application/octet-stream)"},
                              "alt": {"type": "string", "maxLength": 200}}}
            entry["requestBody"] = {"required": True, "content": {
                "multipart/form-data": {"schema": photo_form}}}
        item[op.method.lower()] = entry
    return paths, schemas
