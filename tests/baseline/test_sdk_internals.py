"""The contract of `baseline.plan.sdk_internals`: what the offline plan takes from the Pulumi SDK
beyond its promises, checked against the pinned SDK. A failure here names what moved."""

from __future__ import annotations

from importlib import metadata

from pulumi.runtime import settings

from baseline.plan import sdk_internals
from baseline.plan.mock_engine import Record, run


def test_the_installed_sdk_is_the_one_the_internals_were_checked_against() -> None:
    installed = metadata.version("pulumi")
    assert installed == sdk_internals.PINNED_SDK, (
        f"pulumi {installed} is installed, baseline/plan/sdk_internals.py was checked against "
        f"{sdk_internals.PINNED_SDK}: re-check each internal it names, then its PINNED_SDK"
    )


def test_the_wire_markers_are_the_engines() -> None:
    # As the engine writes them in a state file and on the wire: the Go SDK's
    # go/common/resource/sig/sig.go (Key, Secret, UnknownStringValue), v3.274.0.
    assert sdk_internals.SIG_KEY == "4dabf18193072939515e22adb298388d"
    assert sdk_internals.SECRET_SIG == "1b47061264138c4ac30d75fd1eb44270"
    assert sdk_internals.UNKNOWN == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_a_run_keeps_its_exports_and_leaves_nothing_behind() -> None:
    # The placeholder root: without it set_mocks finishes a root stack of its own, and the
    # program's exports are lost.
    def program() -> None:
        import pulumi

        pulumi.export("answer", 42)

    record = run({"github:owner": "example-org"}, program=program, record=Record())
    (outputs,) = record.outputs.values()
    assert outputs == {"answer": 42}
    assert settings.ROOT.get() is None
    assert not settings.SETTINGS.outputs
