"""The repo-baseline policy pack: an independent check of what the program declares.

The rules live in `policies.guardrails`; `policies.evaluate` runs them on an offline plan.
"""
