"""GitHub's behaviour, written down once as test cases, which every implementation in this
repository that depends on it is tested against (`workflows/`, the policy pack, ...).

Each module holds one fact with its source in GitHub's documentation, and says which
implementations are tested against it (and which are not, and why); `test_tables.py` checks that
the tables hold together. The policy pack keeps its own code; it shares these cases, not the code.
"""
