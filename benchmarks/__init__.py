"""Scale benchmark (issue 8): `python -m benchmarks.bench` plans 10, 100 and 1,000 repositories.

`org` generates the stacks, `floor` is what pulumi-github alone costs for the same resources,
`measure` times one plan in a fresh interpreter, `bench` runs them all and checks the targets.
"""
