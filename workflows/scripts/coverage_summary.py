"""Print `- PATH: NN.N% covered` for each coverage.py JSON report named on the command line."""

import json
import sys

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as report:
        totals = json.load(report)["totals"]
    print(f"- {path}: {totals['percent_covered']:.1f}% covered")
