#!/usr/bin/env bash
# make bench, part 8: bench/pubsub_store.sh [K ...] - ejabberd's pubsub
# on Mnesia (its default, and the lab's) against SQL on PostgreSQL.
#
# ejabberd's issue #1156 reports 30-40 s a publish on Mnesia with 200,000
# subscriptions.  For each store and each K (default 1000 10000): a lab
# broker (sacm-lab up --broker ejabberd --broker-only; for SQL with
# SACM_LAB_PUBSUB_SQL and a PostgreSQL server of its own, started here),
# a topic with K subscriptions set by its owner, and 20 publishes one
# after the other (bench/pubsub_store.py, slixmpp).  Printed: the time to
# set the K subscriptions, the median and largest publish round trip, and
# the broker's CPU per publish (the Erlang VM's).
#
# Then what a publish costs as one publisher's items grow (the grid's
# central services each publish one new item id per endpoint): for each
# store, BENCH_STORE_ITEMS (default 10000) new items, 16 in flight, on a
# topic keeping that many, then keeping all (max_items "max"); Mnesia
# also with no items kept (persist_items 0), the anchor: a publish that
# stores nothing.  Printed: publishes a second and the broker's CPU per
# publish over the first and the last tenth.
#
# Needs root (PostgreSQL runs as its own user), ejabberd, postgresql and
# erlang-p1-pgsql (make install-deps).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
KS=("$@")
[ ${#KS[@]} -gt 0 ] || KS=(1000 10000)
COUNT=20
ITEMS=${BENCH_STORE_ITEMS:-10000}
if [ "$(id -u)" != 0 ]; then
	echo "pubsub store bench skipped: PostgreSQL runs as its own user, which needs root"
	exit 77
fi
for need in "$PGBIN/initdb" /usr/sbin/ejabberdctl /usr/share/ejabberd/sql/pg.new.sql; do
	[ -e "$need" ] || { echo "pubsub store bench skipped: no $need (make install-deps)"; exit 77; }
done
ls -d /usr/lib/erlang/lib/p1_pgsql-* >/dev/null 2>&1 ||
    { echo "pubsub store bench skipped: no erlang-p1-pgsql (make install-deps)"; exit 77; }
W=$(mktemp -d /tmp/sacm-bench-store-XXXXXX)
chmod 755 "$W"
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LAB=
cleanup() {
	[ -n "$LAB" ] && "$BIN/sacm-lab" down --dir "$LAB" >/dev/null 2>&1
	[ -d "$W/pg/data" ] && su postgres -s /bin/sh -c \
	    "'$PGBIN/pg_ctl' -D '$W/pg/data' -m immediate stop" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$W"
	return 0
}
trap cleanup EXIT
say() { printf 'pubsub store bench: %s\n' "$*" >&2; }

# PostgreSQL of our own: trust on loopback, ejabberd's new schema.
install -d -o postgres "$W/pg"
su postgres -s /bin/sh -c "'$PGBIN/initdb' -D '$W/pg/data' -A trust -U postgres" \
    > "$W/pg/initdb.log" 2>&1 || { cat "$W/pg/initdb.log"; exit 1; }
su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$W/pg/data' -l '$W/pg/log' -w \
    -o \"-p $PORT -k '$W/pg' -c listen_addresses=127.0.0.1\" start" >/dev/null ||
    { cat "$W/pg/log"; exit 1; }
psql() { command psql -X -q -h 127.0.0.1 -p "$PORT" "$@"; }
psql -U postgres -c "CREATE USER ejabberd PASSWORD 'bench'" >/dev/null
psql -U postgres -c "CREATE DATABASE ejabberd OWNER ejabberd" >/dev/null
psql -U ejabberd -d ejabberd -f /usr/share/ejabberd/sql/pg.new.sql > "$W/pg/schema.log" 2>&1

printf '\n%-36s %12s %12s %12s %12s\n' "pubsub store (ejabberd, one node)" \
    "subscribe s" "median ms" "max ms" "CPU ms/pub"
ITEMS_OUT=()
for store in mnesia sql; do
	LAB=$W/lab-$store
	if [ "$store" = sql ]; then
		export SACM_LAB_PUBSUB_SQL=127.0.0.1:$PORT:ejabberd:ejabberd:bench
	else
		unset SACM_LAB_PUBSUB_SQL
	fi
	"$BIN/sacm-lab" up --dir "$LAB" --broker ejabberd --broker-only > "$W/up-$store.out" 2>&1 ||
	    { cat "$W/up-$store.out"; say "the $store broker did not start"; exit 1; }
	pid=$(cat "$LAB/ejabberd/ejabberd.pid")
	for k in "${KS[@]}"; do
		out=$(/usr/bin/python3 bench/pubsub_store.py subs \
		    "$LAB/accounts/admin.conf" "$k" "$COUNT" "$pid") || { say "$store, $k subscriptions: failed"; exit 1; }
		read -r _ sub _ med _ max _ cpums <<< "$out"
		printf '%-36s %12s %12s %12s %12s\n' "$store, $k subscriptions" "$sub" \
		    "$med" "$max" "$cpums"
	done
	if [ "$store" = sql ]; then
		n=$(psql -U ejabberd -d ejabberd -t -A -c "SELECT count(*) FROM pubsub_node")
		printf '%-36s %12s\n' "(topics in PostgreSQL)" "$n"
	fi
	for keep in "$ITEMS:1" "max:1" "0:0"; do
		[ "$store" = sql ] && [ "$keep" = 0:0 ] && continue
		out=$(/usr/bin/python3 bench/pubsub_store.py items \
		    "$LAB/accounts/admin.conf" "$ITEMS" "${keep%:*}" \
		    "${keep#*:}" "$pid") ||
		    { say "$store, $ITEMS items kept ${keep%:*}: failed"; exit 1; }
		read -r _ fp _ fc _ lp _ lc <<< "$out"
		case $keep in
		0:0) what="none kept" ;;
		max:1) what="all kept" ;;
		*) what="$ITEMS kept" ;;
		esac
		ITEMS_OUT+=("$(printf '%-36s %12s %12s %12s %12s' \
		    "$store, $what" "$fp" "$fc" "$lp" "$lc")")
	done
	"$BIN/sacm-lab" down --dir "$LAB" >/dev/null 2>&1
	LAB=
done
printf '\n%-36s %12s %12s %12s %12s\n' "$ITEMS new items, one publisher" \
    "first pub/s" "CPU ms/pub" "last pub/s" "CPU ms/pub"
printf '%s\n' "${ITEMS_OUT[@]}"
