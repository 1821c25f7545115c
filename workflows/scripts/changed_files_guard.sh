# A check that rewrites the code (a formatter, `--fix`) is green while the commit still has the problem.
if ! git diff --exit-code; then
  echo "::error::the previous step changed tracked files (the diff is above): run it locally and commit the result, or make it check without fixing"
  exit 1
fi
