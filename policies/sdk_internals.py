"""The parts of pulumi_policy the offline policy run (`policies.evaluate`) uses that the package
does not export, in one place, checked against the pinned version (policies/requirements.txt).

The offline run hands each validator the resource's properties as the engine's analyzer would:
deserialized from the wire format (`deserialize_properties`), behind the proxy that raises
`UnknownValueError` on a value not known yet. pulumi_policy's public API has neither.
`tests/policies/test_sdk_internals.py` holds the contract; on an upgrade it fails with the
version and what moved.
"""

from __future__ import annotations

from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

__all__ = [
    "PINNED_POLICY_SDK",
    "UnknownValueError",
    "deserialize_properties",
    "unknown_checking_proxy",
]

# The pulumi-policy version these were checked against (policies/requirements.txt).
PINNED_POLICY_SDK = "1.21.0"
