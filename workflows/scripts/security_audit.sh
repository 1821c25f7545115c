# Informational: pip-audit's findings go to the log and the job summary, and never fail the job.
poetry run pip install --quiet "pip-audit==$PIP_AUDIT_VERSION"
set +e
poetry run pip-audit --progress-spinner off > audit.txt 2>&1
status=$?
set -e
cat audit.txt
{
  echo "## Security audit (informational)"
  echo
  echo '```'
  cat audit.txt
  echo '```'
} >> "$GITHUB_STEP_SUMMARY"
if [ "$status" -ne 0 ]; then echo "::warning::pip-audit reported findings"; fi
