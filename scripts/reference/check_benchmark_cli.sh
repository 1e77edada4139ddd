#!/usr/bin/env bash
# `ltdet benchmark longtail` starts and checks its arguments, without training (the benchmark itself takes hours):
# bad arguments exit with an error naming the option and the value; --dry-run resolves the shipped spec and every
# row's config and lists the runs. Needs LTDET_BIN (scripts/test exports it).
source "$(dirname "$0")/common.sh" check_benchmark_cli

bench=("$LTDET_BIN" benchmark longtail --out "$work/out")
expect_error "unknown method 'focal'" "${bench[@]}" --methods softmax,focal
expect_error "--seeds must be at least 1, got 0" "${bench[@]}" --seeds 0
expect_error "--jobs must be at least 1, got 0" "${bench[@]}" --jobs 0
expect_error "--methods names no method" "${bench[@]}" --methods ,
expect_error "--report must be a .md file" "${bench[@]}" --report "$work/report.txt"
expect_error "$work/missing.yaml" "${bench[@]}" --spec "$work/missing.yaml"
expect_error "--dry-run and --report-only exclude each other" "${bench[@]}" --dry-run --report-only
expect_error "no benchmark ran there" "${bench[@]}" --report-only --report "$work/r.md"
[ -e "$work/out" ] && { echo "FAILED: a refused benchmark left $work/out behind"; failed=$((failed + 1)); }

# A dry run lists every run of the spec (its methods x 3 seeds) and adds LOCE's stage 1 when only LOCE is asked for.
methods=$(awk '/^methods:/ {on = 1; next} /^[a-z_]+:/ {on = 0} on && /^  - /' configs/benchmark/longtail.yaml | wc -l)
output="$(timeout 60 "${bench[@]}" --dry-run 2>&1)" || { echo "FAILED: --dry-run: $output"; failed=$((failed + 1)); }
grep -qF "$((methods * 3)) runs ($methods methods x 3 seeds)" <<<"$output" || { echo "FAILED: --dry-run said: $(head -c 300 <<<"$output")"; failed=$((failed + 1)); }
output="$(timeout 60 "${bench[@]}" --quick --methods loce --dry-run 2>&1)"
grep -qF "added softmax" <<<"$output" && grep -qF "2 runs (2 methods x 1 seeds)" <<<"$output" \
  || { echo "FAILED: --quick --methods loce --dry-run said: $(head -c 300 <<<"$output")"; failed=$((failed + 1)); }
[ -e "$work/out" ] && { echo "FAILED: --dry-run wrote $work/out"; failed=$((failed + 1)); }

finish_check
