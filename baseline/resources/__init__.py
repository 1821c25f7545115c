"""The Pulumi program and its resources: the program (`program`) registers, per repository, the
component (`component`: repository, pipeline, protection, settings), the organization rulesets
(`organization`), the pipeline's delivery (`delivery`) and the removal of workflows it replaces
(`replaces`, `workflow_removal`)."""
