"""The stack config: read (`stack_yaml`), declared and validated (`settings`, `schema`,
`validation`), and resolved against the organization's listing (`inventory`, `selection`,
`adoption`, `existing_workflows`), with the removal guard's limit (`removals`). Plain Python: no
Pulumi import."""
