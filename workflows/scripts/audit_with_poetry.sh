# pip-audit inside Poetry's virtualenv, auditing what is installed there.
poetry run pip install --quiet "pip-audit==$PIP_AUDIT_VERSION"
audit() { poetry run pip-audit "$@"; }
