#!/usr/bin/env bash
# test_fleet.sh on one Prosody node, the default broker: the whole
# pipeline for the simulated fleet, the results repository taking from
# the topic what it missed, an evaluator's work taken over; 30
# endpoints and 10 late (the cluster run has the 300).
FLEET_N=${FLEET_N:-30} FLEET_LATE=${FLEET_LATE:-10} FLEET_BROKER=prosody FLEET_NODES=1 exec bash "$(dirname "$0")/test_fleet.sh"
