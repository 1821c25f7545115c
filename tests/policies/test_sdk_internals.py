"""The contract of `policies.sdk_internals`: what the offline policy run takes from
pulumi_policy beyond its exports, checked against the pinned version."""

from __future__ import annotations

from importlib import metadata

import pytest

from policies import sdk_internals


def test_the_installed_pulumi_policy_is_the_one_checked_against() -> None:
    installed = metadata.version("pulumi-policy")
    assert installed == sdk_internals.PINNED_POLICY_SDK, (
        f"pulumi-policy {installed} is installed, policies/sdk_internals.py was checked against "
        f"{sdk_internals.PINNED_POLICY_SDK}: re-check what it names, then its PINNED_POLICY_SDK"
    )


def test_properties_are_deserialized_and_unknowns_raise_when_read() -> None:
    wire = {
        "name": "shop",
        "token": {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            "value": "x",
        },
        "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    }
    props = sdk_internals.unknown_checking_proxy(sdk_internals.deserialize_properties(wire))
    assert props["name"] == "shop"
    assert props["token"] == "x"  # a secret reaches a policy as its value
    with pytest.raises(sdk_internals.UnknownValueError):
        _ = props["id"]
