#!/usr/bin/env bash
# test_vuln_grid.sh on ejabberd: the same results, oracle and attacks
# (every trust rule is tried on both brokers).
SACM_TEST_BROKER=ejabberd exec bash "$(dirname "$0")/test_vuln_grid.sh"
