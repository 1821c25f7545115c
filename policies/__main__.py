"""The repo-baseline policy pack: assembles the rules of `guardrails` into a PolicyPack.

`PolicyPack(...)` starts the analyzer server and blocks, so nothing else happens here.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

if __package__:  # Imported as `policies.__main__` (python -m policies).
    from .guardrails import PACK_NAME, POLICIES
else:
    # `pulumi preview --policy-pack policies` runs this file as a script with policies/ itself on
    # sys.path, so the rules are the top-level package `guardrails` there. mypy reads this file
    # as `policies.__main__`, where that name does not resolve.
    from guardrails import PACK_NAME, POLICIES  # type: ignore[import-not-found,no-redef]

if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        policies=POLICIES,
        enforcement_level=EnforcementLevel.MANDATORY,
        description="Guardrails for repo-baseline: protections match the pipeline, no bypass.",
    )
