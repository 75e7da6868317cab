#!/usr/bin/env bash
# The main job: set up, then inspect the sample order-to-cash log. Extra arguments go to o2c.
source "$(dirname "$0")/setup.sh"
o2c inspect sample_logs/o2c_orders.csv "$@"
