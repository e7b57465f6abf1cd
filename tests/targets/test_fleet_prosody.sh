#!/usr/bin/env bash
# test_fleet.sh on one Prosody node, the default broker: the whole
# pipeline for the simulated fleet, the results repository taking from
# the topic what it missed, an evaluator's work taken over.
FLEET_BROKER=prosody FLEET_NODES=1 exec bash "$(dirname "$0")/test_fleet.sh"
