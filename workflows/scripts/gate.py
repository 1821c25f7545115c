"""Gate: exit 1 unless every job in NEEDS (the `needs` context as JSON) has the result success.

A job that failed, was cancelled or was skipped is named with its result, as an error annotation.
"""

import json
import os
import sys

needs = json.loads(os.environ["NEEDS"])
if not needs:
    print("::error title=Gate::the gate needs no job, so it has checked nothing")
    sys.exit(1)
not_succeeded = {job: need["result"] for job, need in needs.items() if need["result"] != "success"}
for job, need in needs.items():
    print(f"{job}: {need['result']}")
for job, result in not_succeeded.items():
    print(f"::error title=Gate::{job} did not succeed: {result}")
if not_succeeded:
    sys.exit(1)
print(f"Every required job succeeded ({len(needs)}).")
