"""The pipeline as code: a typed workflow model, its templates, renderer and derived checks.

Plain Python, no Pulumi: `baseline/` turns what this package produces into resources.
"""
