#!/usr/bin/env bash
# test_vuln_grid.sh on ejabberd: the same results, oracle and attacks
# (every trust rule is tried on both brokers), with the findings sent as
# blobs (an evaluator with small items), the way for an old system.
SACM_TEST_BROKER=ejabberd SACM_TEST_FINDINGS_BLOB=1 \
    exec bash "$(dirname "$0")/test_vuln_grid.sh"
