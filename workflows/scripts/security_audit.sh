# Informational: the findings, and the packages pip-audit could not check, go to the log, the
# job summary and a warning; the job never fails on them.
set +e
audit --progress-spinner off --format json --output audit.json
status=$?
set -e
python3 -c "$AUDIT_SUMMARY" audit.json "$status"
