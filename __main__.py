"""repo-baseline: CI pipeline, branch protection and settings for every repository in the stack."""

from baseline.resources.program import main

main()
