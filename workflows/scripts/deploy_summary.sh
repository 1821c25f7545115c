# Deployment readiness: the job summary, with one coverage line per downloaded report.
# download-artifact puts each artifact matched by a pattern in coverage/<artifact name>/.
reports=()
for report in coverage/*/coverage.json coverage/coverage.json; do
  if [ -f "$report" ]; then reports+=("$report"); fi
done
{
  echo "## Deployment readiness"
  echo
  echo "All required checks passed for commit $GITHUB_SHA."
  echo
  if [ "${#reports[@]}" -eq 0 ]; then
    echo "- No coverage report was downloaded."
  else
    python3 -c "$COVERAGE_SUMMARY" "${reports[@]}"
  fi
} >> "$GITHUB_STEP_SUMMARY"
