# SPDX-License-Identifier: Apache-2.0
# bench_lib.sh: helpers the bench/ scripts share (sourced after tests/support/lib.sh): a process's
#   CPU time and memory from /proc, and a line saying which machine and how busy it was.
# Does not: start or stop anything (lib.sh's wss_start and its EXIT trap do), or decide a goal.
# Threads: n/a (sourced into one shell).
# shellcheck shell=bash

WSS_CLK_TCK=$(getconf CLK_TCK)

# bench_cpu_ticks PID: the process's utime+stime (all its threads) in clock ticks, from
# /proc/PID/stat; the command name in field 2 may hold spaces, so fields count from its ')'.
bench_cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# bench_ticks_to_s TICKS: clock ticks as seconds, 3 decimals.
bench_ticks_to_s() {
  awk -v t="$1" -v hz="$WSS_CLK_TCK" 'BEGIN { printf "%.3f", t / hz }'
}

# bench_status_kib PID FIELD: a "FIELD: N kB" line of /proc/PID/status (VmRSS, RssAnon...), in KiB.
bench_status_kib() {
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# bench_rollup_kib PID FIELD...: the sum of the FIELDs of /proc/PID/smaps_rollup, in KiB.
bench_rollup_kib() {
  local pid=$1
  shift
  awk -v want=" $* " 'index(want, " " substr($1, 1, length($1) - 1) " ") { s += $2 } END { print s + 0 }' \
    "/proc/$pid/smaps_rollup"
}

# bench_machine: one line about where the numbers come from, with how busy the machine is (load
# average and CPU pressure: the share of time something runnable waited for a CPU).
bench_machine() {
  printf '%s CPUs (%s), kernel %s, load average %s, CPU pressure %s\n' "$(nproc)" \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(awk '$1 == "some" { print $2, $3 }' /proc/pressure/cpu 2>/dev/null || echo n/a)"
}

# bench_require FILE...: fails unless every FILE is an executable.
bench_require() {
  local f
  for f in "$@"; do
    [ -x "$f" ] || wss_fail "missing $f: cmake --build $WSS_BUILD_DIR -j2"
  done
}
