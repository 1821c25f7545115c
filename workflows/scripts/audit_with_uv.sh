# A uv environment has no pip: pip-audit runs from uvx and audits the lock's exact, hashed
# requirements (--disable-pip: nothing to resolve), without the project itself.
uv export --locked --format requirements-txt --no-emit-project --quiet \
  --output-file "$RUNNER_TEMP/audited-requirements.txt"
audit() {
  uvx --from "pip-audit==$PIP_AUDIT_VERSION" pip-audit --disable-pip \
    --requirement "$RUNNER_TEMP/audited-requirements.txt" "$@"
}
