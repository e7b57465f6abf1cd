#!/usr/bin/env bash
# test_remediate.sh on ejabberd: the same fix, refusals and attacks
# (every trust rule is tried on both brokers).
SACM_TEST_BROKER=ejabberd exec bash "$(dirname "$0")/test_remediate.sh"
