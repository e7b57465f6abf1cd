#!/usr/bin/env bash
# make bench: grid library against bare libstrophe, on each broker, in a
# throwaway lab.  Prints a table.  BENCH_ROUNDS (default 3) runs of each,
# alternating, best of each kept (noise on a shared 2-core machine only
# ever adds time).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
B=$PWD/$BUILD/bench/bench_grid
ROUNDS=${BENCH_ROUNDS:-3}
NLAT=${BENCH_NLAT:-300}
NTHR=${BENCH_NTHR:-3000}
NIQ=${BENCH_NIQ:-100000}
IQ=$(mktemp)
trap 'rm -f "$IQ"' EXIT

printf '%-9s %-18s %9s %9s %12s\n' broker client "p50 ms" "p99 ms" "events/s"
for broker in ${BENCH_BROKERS:-prosody ejabberd}; do
	lab=$(mktemp -d /tmp/sacm-bench-XXXXXX)
	chmod 755 "$lab"
	"$BIN/sacm-lab" up --dir "$lab/lab" --broker "$broker" --broker-only >/dev/null 2>&1 ||
	    { echo "$broker: lab did not start"; continue; }
	declare -A p50 p99 thr
	for mode in grid bare; do p50[$mode]=999999; p99[$mode]=999999; thr[$mode]=0; done
	for r in $(seq 1 "$ROUNDS"); do
		for mode in grid bare; do
			read -r _ a b c < <("$B" "$mode" "$lab/lab" "$NLAT" "$NTHR")
			awk -v x="$a" -v y="${p50[$mode]}" 'BEGIN{exit !(x<y)}' && p50[$mode]=$a
			awk -v x="$b" -v y="${p99[$mode]}" 'BEGIN{exit !(x<y)}' && p99[$mode]=$b
			awk -v x="$c" -v y="${thr[$mode]}" 'BEGIN{exit !(x>y)}' && thr[$mode]=$c
		done
	done
	printf '%-9s %-18s %9s %9s %12s\n' "$broker" "grid library" "${p50[grid]}" "${p99[grid]}" "${thr[grid]}"
	printf '%-9s %-18s %9s %9s %12s\n' "$broker" "bare libstrophe" "${p50[bare]}" "${p99[bare]}" "${thr[bare]}"
	awk -v g="${thr[grid]}" -v b="${thr[bare]}" -v lg="${p50[grid]}" -v lb="${p50[bare]}" -v br="$broker" \
	    'BEGIN{printf "%-9s %-18s %8.1f%% %9s %11.1f%%\n", br, "grid vs bare", (lg/lb-1)*100, "", (g/b-1)*100}'
	# requests on one connection: does a request cost more the more
	# the connection has made?
	for mode in grid-iq bare-iq; do
		echo "$broker $("$B" "$mode" "$lab/lab" "$NIQ")" >> "$IQ"
	done
	"$BIN/sacm-lab" down --dir "$lab/lab" >/dev/null 2>&1 || true
	rm -rf "$lab"
	unset p50 p99 thr
done
echo
echo "$NIQ pings to the server on one connection, 256 in flight: client CPU"
echo "a request and requests/s, over the first and the last tenth; peak RSS"
printf '%-9s %-18s %9s %9s %9s %9s %8s\n' broker client "first us" "last us" \
    "first/s" "last/s" "RSS MB"
while read -r broker mode a b c d rss; do
	case $mode in grid-iq) who="grid library" ;; *) who="bare libstrophe" ;; esac
	printf '%-9s %-18s %9s %9s %9s %9s %8s\n' "$broker" "$who" "$a" "$b" "$c" "$d" \
	    "$(awk -v r="$rss" 'BEGIN{printf "%.1f", r / 1024}')"
done < "$IQ"
