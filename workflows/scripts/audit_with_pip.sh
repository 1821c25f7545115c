# pip-audit in the job's Python, auditing what the requirement files installed there.
python -m pip install --quiet "pip-audit==$PIP_AUDIT_VERSION"
audit() { python -m pip_audit "$@"; }
