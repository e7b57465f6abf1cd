# sacm-lab: what every part uses (sourced).  Sets nothing on its own but
# functions; the main script owns the variables.

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

# render TEMPLATE OUT: the checked-in template with every @NAME@ replaced
# by the value of the shell variable NAME (unset is an error, so that a
# template and this script cannot drift apart silently).
shopt -u patsub_replacement 2>/dev/null || true
render() {
	local in=$SHARE/templates/$1 out=$2 text var
	[ -f "$in" ] || die "no template $in"
	text=$(<"$in")
	for var in $(grep -o '@[A-Z_][A-Z0-9_]*@' "$in" | sort -u); do
		var=${var//@/}
		[ -n "${!var+x}" ] || die "template $1: $var is not set"
		text=${text//@$var@/${!var}}
	done
	printf '%s\n' "$text" > "$out"
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A block of four consecutive free ports, below Linux's ephemeral range
# (32768 and up): port_free sees a listener, not a port an outgoing
# connection holds, and one such took a lab's port under load.
pick_ports() {
	local base tries=0
	while [ $tries -lt 200 ]; do
		base=$((20000 + (RANDOM % 790) * 16))
		if port_free "$base" && port_free $((base + 1)) &&
		    port_free $((base + 2)) && port_free $((base + 3)); then
			echo "$base"
			return 0
		fi
		tries=$((tries + 1))
	done
	die "no free loopback ports found"
}

wait_port() {	# PORT [TENTHS]: someone listens on PORT (10 s)
	local i
	for i in $(seq 1 "${2:-100}"); do
		port_free "$1" || return 0
		sleep 0.1
	done
	return 1
}

# The broker runs as this user: ourselves, or nobody when we are root
# (then each daemon has its own user: lab_user).
if [ "$(id -u)" = 0 ]; then
	AS_BROKER=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
else
	AS_BROKER=()
fi
as_broker() { "${AS_BROKER[@]}" "$@"; }

# The broker's log directory ($LAB/log/broker): the audit service follows
# the broker's log there for its denials (sacm-audit broker_log).  When we
# are root it is the broker's, readable by group sacm-broker-log (the
# audit service's user, broker_log_reader) and nobody else.
broker_log_dir() {
	local d=$LAB/log/broker
	mkdir -p "$d"
	if [ "$(id -u)" = 0 ]; then
		getent group sacm-broker-log >/dev/null ||
		    groupadd --system sacm-broker-log
		chown -R nobody:sacm-broker-log "$d"
		chmod 2750 "$d"		# its files get the group
		chmod -R g+r "$d"
	fi
	echo "$d"
}

broker_log_reader() {	# user
	getent group sacm-broker-log >/dev/null ||
	    groupadd --system sacm-broker-log
	id -nG "$1" | tr ' ' '\n' | grep -qx sacm-broker-log ||
	    usermod -a -G sacm-broker-log "$1"
}

# Starts a long-running broker process detached from this script: its own
# session, no inherited terminal or pipes.
spawn() {
	local dir=$1 log=$2
	shift 2
	(cd "$dir" && exec "${AS_BROKER[@]}" setsid "$@") \
	    >>"$log" 2>&1 </dev/null &
}

load_env() {
	[ -f "$LAB/lab.env" ] || die "no lab in $LAB (run: sacm-lab up)"
	# shellcheck disable=SC1091
	. "$LAB/lab.env"
}

# The grid administrator's JID (its certificate login).
admin_jid() { echo "admin@$DOMAIN"; }

# The accounts the broker does not rate-limit: the grid administrator, the
# operator (a person's sacmctl), the services and $SACM_LAB_UNLIMITED (a
# fleet simulator's account stands for many endpoints: bench/fleet.sh),
# as one list in the broker's syntax (prosody: "a@d"; "b@d"  ejabberd:
# "a@d", "b@d").
unlimited_jids() {	# separator
	local s n out=
	case "${SACM_LAB_UNLIMITED:-}" in *[!a-z0-9\ -]*)
		die "SACM_LAB_UNLIMITED: account names (lowercase letters, digits, -)" ;;
	esac
	for n in admin ctl $(for s in $SERVICES; do echo "${s%%:*}"; done) \
	    ${SACM_LAB_UNLIMITED:-}; do
		out="$out${out:+$1}\"$n@$DOMAIN\""
	done
	echo "$out"
}

# lab_user NAME: when we are root, the system user daemon NAME runs as,
# made once (no home, no shell; group sacm-lab, which may create files in
# the data directory): no daemon can read another's password, database or
# state, nor the broker's key, configuration or database.
lab_user() {
	local u=sacm-$1
	u=${u:0:32}
	if ! id -u "$u" >/dev/null 2>&1; then
		getent group sacm-lab >/dev/null || groupadd --system sacm-lab
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin --gid sacm-lab "$u" ||
		    die "cannot make the system user $u"
	fi
	echo "$u"
}
