"""Test infrastructure the project's tests and benchmarks run against; not part of the product
(not installed with it, never imported by `baseline`, `workflows` or `policies`).

- `testing.github_double`: a stateful local GitHub REST server for one organization, checking
  every request and answer against GitHub's OpenAPI description (its README.md).
- `testing.pipeline_runner`: runs a rendered GitHub Actions workflow job by job on this machine,
  as a GitHub-hosted runner would, with PostgreSQL standing in for its service container.

Each package's `__init__` exports its public API in `__all__`.
"""
