#!/usr/bin/env bash
# The main job: set up, then assess the sample order-to-cash log against its ideal path and write
# the report folder out/ (report.html, findings.json, maps/, tables/). Extra arguments go to o2c assess.
source "$(dirname "$0")/setup.sh"
o2c assess sample_logs/o2c_orders.csv --ideal sample_logs/ideal_path.yaml --out out/ "$@"
