#!/usr/bin/env bash
# A three-node ejabberd cluster (sacm-lab up --nodes 3): the nodes join
# one cluster and share accounts, topics, items and uploads; the accounts
# are spread over the nodes; an item published through one node reaches a
# subscriber on another and is read by slixmpp (a client we did not
# write) on a third; a client whose node is killed moves to the next node
# and keeps receiving.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
S=$BIN/sacmctl
. tests/integration/lib.sh
command -v ejabberdctl >/dev/null || [ -x /usr/sbin/ejabberdctl ] ||
    { echo "skip: ejabberd is not installed"; exit 77; }
W=$(mktemp -d /tmp/sacm-test_cluster-XXXXXX)
chmod 755 "$W"
L=$W/lab A=$W/lab/accounts
PIDS=()
cleanup() {
	kill "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	"$BIN/sacm-lab" down --dir "$L" >/dev/null 2>&1
	[ "$fails" = 0 ] || for f in "$W"/*.log "$W"/up.out; do
		[ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }
	done
	rm -rf "$W"
}
trap cleanup EXIT

up3() { "$BIN/sacm-lab" up --dir "$L" --broker ejabberd --nodes 3 --broker-only > "$W/up.out" 2>&1; }
check "sacm-lab up --broker ejabberd --nodes 3" up3
check "... three nodes running" grep -q "cluster of 3 nodes, node 1 on 127.0.0.1 (pid [0-9]*, [0-9]* sessions), node 2 on 127.0.0.2 (pid [0-9]*, [0-9]* sessions), node 3 on 127.0.0.3 (pid" "$W/up.out"
. "$L/lab.env"
members() {	# node: the cluster as that node sees it
	local e=$L/ejabberd n=$1
	[ "$n" = 1 ] || e=$L/ejabberd-$n
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- env \
	    HOME="$e/home" ERL_EPMD_ADDRESS=127.0.0.1 "$e/ejabberdctl" \
	    --config "$e/ejabberd.yml" --ctl-config "$e/ejabberdctl.cfg" \
	    --spool "$e/spool" list_cluster 2>/dev/null | grep -c @
}
check "... one cluster, as node 3 sees it (ejabberdctl list_cluster)" test "$(members 3)" = 3
firsts=$(sed -n 's/^host = \([^ ]*\).*/\1/p' "$A"/*.conf | sort -u | paste -sd' ')
check "the accounts are spread over the nodes ($firsts)" test "$firsts" = "127.0.0.1 127.0.0.2 127.0.0.3"

# pinned CONF NODE...: a copy of an account file that tries these nodes.
pinned() {
	local f=$W/$1-$(IFS=-; echo "${*:2}").conf
	sed "s/^host = .*/host = $(echo "${@:2}" | sed 's/[0-9]/127.0.0.&/g')/" "$A/$1.conf" > "$f"
	echo "$f"
}
RR1=$(pinned results-repo 1)
CTL3=$(pinned ctl 3)
CTL2=$(pinned ctl 2 3 1)

# A subscriber on node 3, a publisher on node 1.
"$S" -c "$CTL3" watch sacm/results --count 1 --timeout 60 > "$W/watch3.out" 2> "$W/watch3.log" &
PIDS+=($!)
wait_for 20 grep -q watching "$W/watch3.log"
echo "<result xmlns='http://sacm-grid.dev/protocol/1' endpoint='e1'/>" > "$W/r1.xml"
check "an item published through node 1" "$S" -c "$RR1" publish sacm/results "$W/r1.xml" --id e1/one
check "... reaches a subscriber on node 3" wait_for 20 grep -q "e1/one" "$W/watch3.out"
check "... and slixmpp reads it through node 2" /usr/bin/python3 - "$(pinned ctl 2)" <<'P'
import asyncio, sys
sys.path.insert(0, "tests/integration")
from labconf import client, connect, pubsub_service, read_conf
conf = read_conf(sys.argv[1])
c = client(conf)
c.register_plugin("xep_0060")
ok = []
async def start(_):
    try:
        r = await c["xep_0060"].get_items(pubsub_service(conf), "sacm/results", item_ids=["e1/one"], timeout=10)
        ok.extend(i["id"] for i in r["pubsub"]["items"])
    finally:
        c.disconnect()
c.add_event_handler("session_start", start)
connect(c, conf)
asyncio.get_event_loop().run_until_complete(c.disconnected)
sys.exit(0 if ok == ["e1/one"] else 1)
P
echo "a blob through the cluster" > "$W/blob.txt"
"$S" -c "$CTL3" blob put "$W/blob.txt" > "$W/blob.ref" 2>/dev/null
check "a blob uploaded through node 3 is downloaded through node 1" bash -c "'$S' -c '$(pinned ctl 1)' blob get '$W/blob.ref' -o '$W/blob.out' && cmp -s '$W/blob.txt' '$W/blob.out'"

# A client on node 2; node 2 dies.
"$S" -c "$CTL2" -v watch sacm/results --count 2 --timeout 90 > "$W/watch2.out" 2> "$W/watch2.log" &
PIDS+=($!)
wait_for 20 grep -q watching "$W/watch2.log"
echo "<result xmlns='http://sacm-grid.dev/protocol/1' endpoint='e1'/>" > "$W/r2.xml"
"$S" -c "$RR1" publish sacm/results "$W/r2.xml" --id e1/two >/dev/null
check "a client on node 2 gets an item" wait_for 20 grep -q "e1/two" "$W/watch2.out"
kill -9 "$(cat "$L/ejabberd-2/ejabberd.pid")"
check "node 2 killed: the client moves to node 3" wait_for 30 grep -q "next broker node 127.0.0.3" "$W/watch2.log"
online_after() { awk '/next broker node 127.0.0.3/ { f = 1 } f && /connecting -> online/ { ok = 1 } END { exit !ok }' "$W/watch2.log"; }
check "... and is online there" wait_for 30 online_after
sleep 2
"$S" -c "$RR1" publish sacm/results "$W/r1.xml" --id e1/three >/dev/null
check "... and receives what is published after" wait_for 30 grep -q "e1/three" "$W/watch2.out"
check "the two other nodes still form the cluster" test "$(members 3)" -ge 2
exit $((fails > 0))
