"""Custom properties: the organization's schema and the values of its repositories, set by the
organization or on one repository (GitHub's REST docs, "Custom properties")."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from testing.github_double.handlers.common import JSON, Call, Reply, check_org, paginate
from testing.github_double.models import CustomProperty, UnmodelledError


def render_property(call: Call, prop: CustomProperty) -> dict[str, JSON]:
    return {
        "property_name": prop.name,
        "url": f"{call.api}/orgs/{call.backend.org}/properties/schema/{quote(prop.name)}",
        "source_type": "organization",
        "value_type": prop.value_type,
        "required": prop.required,
        "default_value": prop.default_value,
        "description": prop.description,
        "allowed_values": prop.allowed_values,
        "values_editable_by": prop.values_editable_by,
    }


def _values(values: dict[str, Any]) -> list[dict[str, JSON]]:
    return [{"property_name": name, "value": value} for name, value in values.items()]


# --- The organization's schema ----------------------------------------------------------------


def list_properties(call: Call) -> Reply:
    check_org(call)
    return Reply(200, [render_property(call, p) for p in call.backend.properties.values()])


def get_property(call: Call) -> Reply:
    check_org(call)
    prop = call.backend.custom_property(call.params["custom_property_name"])
    return Reply(200, render_property(call, prop))


def put_property(call: Call) -> Reply:
    check_org(call)
    prop = call.backend.define_property(call.params["custom_property_name"], call.body)
    return Reply(200, render_property(call, prop))


def delete_property(call: Call) -> Reply:
    check_org(call)
    call.backend.delete_property(call.params["custom_property_name"])
    return Reply(204)


# --- Values -----------------------------------------------------------------------------------


def list_org_property_values(call: Call) -> Reply:
    check_org(call)
    if call.arg("repository_query") is not None:
        raise UnmodelledError("repository_query (GitHub's repository search syntax)")
    repos = sorted(call.backend.repositories.values(), key=lambda r: r.id)
    page, headers = paginate(call, repos)
    body = [
        {
            "repository_id": repo.id,
            "repository_name": repo.name,
            "repository_full_name": repo.full_name,
            "properties": _values(call.backend.property_values(repo)),
        }
        for repo in page
    ]
    return Reply(200, body, headers)


def _value_changes(call: Call) -> dict[str, Any]:
    return {entry["property_name"]: entry["value"] for entry in call.body["properties"]}


def set_org_property_values(call: Call) -> Reply:
    check_org(call)
    backend = call.backend
    repos = [backend.repository(backend.org, name) for name in call.body["repository_names"]]
    backend.set_property_values(repos, _value_changes(call))
    return Reply(204)


def get_repo_property_values(call: Call) -> Reply:
    return Reply(200, _values(call.backend.property_values(call.repo())))


def set_repo_property_values(call: Call) -> Reply:
    call.backend.set_property_values([call.repo()], _value_changes(call))
    return Reply(204)
