#!/usr/bin/env bash
# sacm-targets - Debian 11 (bullseye) root trees for the lab's target
# systems, made with debootstrap from the Debian mirror apt already uses.
#
#   sacm-targets build DIR [--count N] [--cache DIR]
#   sacm-targets configure CONFIG [DIR]   (one configuration, in place; /)
#
# DIR gets one tree per configuration (with --count N > 3, N trees: the
# fourth and later are installed-4, hardened-5, misconfigured-6, ... each
# with its own identity):
#   installed      a minimal bullseye as debootstrap leaves it
#   hardened       with the logging, time and audit services the SSG rules
#                  ask for, and tightened file permissions and sysctls
#   misconfigured  world-writable account files, a permissive sshd_config
# Each tree has its own machine-id and hostname.  debootstrap runs once per
# package set and its result is cached (default: /var/cache/sacm-grid/targets
# for root, else ~/.cache/sacm-grid/targets); a tree that exists is kept.
set -euo pipefail

PROG=sacm-targets
SUITE=bullseye
HARDENED_PKGS=rsyslog,cron,ntp,logrotate,auditd
TARGETS="installed hardened misconfigured"

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

usage() {
	sed -n '2,17s/^# \{0,1\}//p' "$0"
}

# The Debian archive apt is configured with (never a hard-coded host):
# the first URI of a deb822 source or a one-line "deb" entry that is not
# the security archive.
mirror() {
	local m
	m=$(awk '
	    /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }
	' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(awk '$1 == "deb" && $0 !~ /security/ {
		    for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		    /etc/apt/sources.list | head -1)
	fi
	[ -n "$m" ] || die "no Debian mirror found in the apt sources"
	echo "$m"
}

# Unmounts whatever an interrupted debootstrap left mounted below $1 (its
# /proc, /sys), so that removing the tree never reaches the host's.
unmount_below() {
	local m
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
	    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# A cached debootstrap of SUITE with the given extra packages.  Two labs
# building at once (two test runs, two users) take turns on the cache.
cached_base() {
	local name=$1 include=$2 dir=$CACHE/$1
	mkdir -p "$CACHE"
	exec 9> "$CACHE/.$name.lock"
	flock 9
	if [ -f "$dir/etc/debian_version" ] && [ -f "$dir/.sacm-complete" ]; then
		exec 9>&-
		echo "$dir"
		return
	fi
	unmount_below "$dir.tmp"
	rm -rf --one-file-system "$dir.tmp"
	say "debootstrap $SUITE ($name) from $MIRROR"
	debootstrap --variant=minbase ${include:+--include=$include} \
	    "$SUITE" "$dir.tmp" "$MIRROR" > "$CACHE/$name.log" 2>&1 ||
	    { tail -5 "$CACHE/$name.log" >&2; die "debootstrap failed (log: $CACHE/$name.log)"; }
	unmount_below "$dir.tmp"
	touch "$dir.tmp/.sacm-complete"
	unmount_below "$dir"
	rm -rf --one-file-system "$dir"
	mv "$dir.tmp" "$dir"
	exec 9>&-
	echo "$dir"
}

identity() {
	local t=$1 name=$2
	head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$t/etc/machine-id"
	echo >> "$t/etc/machine-id"
	echo "$name" > "$t/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$name" > "$t/etc/hosts"
	rm -f "$t/.sacm-complete"
}

configure_installed() { :; }

configure_hardened() {
	local t=$1
	mkdir -p "$t/etc/sysctl.d"
	cat > "$t/etc/sysctl.d/90-sacm-hardening.conf" <<'EOF'
kernel.randomize_va_space = 2
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
fs.suid_dumpable = 0
EOF
	sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\t60/; s/^PASS_MIN_DAYS.*/PASS_MIN_DAYS\t1/; s/^UMASK.*/UMASK\t\t027/' \
	    "$t/etc/login.defs"
	chmod 0600 "$t"/boot/System.map* 2>/dev/null || true
	# Units as `systemctl enable` leaves them.
	local s
	mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
	for s in rsyslog cron ntp auditd; do
		[ -f "$t/lib/systemd/system/$s.service" ] &&
		    ln -sf "/lib/systemd/system/$s.service" \
		    "$t/etc/systemd/system/multi-user.target.wants/$s.service"
	done
	return 0
}

configure_misconfigured() {
	local t=$1
	chmod 0666 "$t/etc/passwd" "$t/etc/group"
	chmod 0644 "$t/etc/shadow" "$t/etc/gshadow"
	chgrp 100 "$t/etc/group"
	mkdir -p "$t/etc/ssh"
	cat > "$t/etc/ssh/sshd_config" <<'EOF'
# deliberately permissive (a lab target meant to fail)
Protocol 1
PermitRootLogin yes
PermitEmptyPasswords yes
ClientAliveInterval 0
EOF
}

# The trees for COUNT targets, in order.
target_names() {
	local i=1 t
	for t in $TARGETS; do
		[ $i -le "$COUNT" ] && echo "$t"
		i=$((i + 1))
	done
	set -- $TARGETS
	while [ $i -le "$COUNT" ]; do
		eval "t=\${$(( (i - 1) % 3 + 1 ))}"
		echo "$t-$i"
		i=$((i + 1))
	done
}

build() {
	local out=$1 t base conf
	[ "$(id -u)" = 0 ] || die "debootstrap needs root (run with sudo)"
	command -v debootstrap >/dev/null || die "debootstrap is not installed (make deps)"
	MIRROR=$(mirror)
	mkdir -p "$out"
	for t in $(target_names); do
		if [ -f "$out/$t/etc/debian_version" ]; then
			say "$out/$t exists; kept"
			continue
		fi
		conf=${t%%-*}
		case $conf in
		hardened) base=$(cached_base hardened "$HARDENED_PKGS") ;;
		*) base=$(cached_base minimal "") ;;
		esac
		say "making $out/$t"
		rm -rf "$out/$t.tmp"
		cp -a "$base" "$out/$t.tmp"
		identity "$out/$t.tmp" "target-$t"
		"configure_$conf" "$out/$t.tmp"
		mv "$out/$t.tmp" "$out/$t"
	done
	for t in $(target_names); do
		printf '%-14s %s (Debian %s, machine-id %s)\n' "$t" "$out/$t" \
		    "$(cat "$out/$t/etc/debian_version")" "$(cat "$out/$t/etc/machine-id")"
	done
}

main() {
	[ $# -ge 1 ] || { usage >&2; exit 2; }
	local cmd=$1 out=
	shift
	COUNT=3 DIR=
	if [ "$(id -u)" = 0 ]; then
		CACHE=/var/cache/sacm-grid/targets
	else
		CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sacm-grid/targets
	fi
	while [ $# -gt 0 ]; do
		case "$1" in
		--cache) CACHE=$2; shift 2 ;;
		--count) COUNT=$2; shift 2 ;;
		-h|--help) usage; exit 0 ;;
		*) if [ -n "$out" ]; then DIR=$1; else out=$1; fi; shift ;;
		esac
	done
	case "$cmd" in
	build) [ -n "$out" ] || die "usage: sacm-targets build DIR [--count N]"
	    case $COUNT in ''|*[!0-9]*|0) die "--count takes a number from 1" ;; esac
	    build "$out" ;;
	names) target_names ;;
	configure)	# configure CONFIG [DIR]: one configuration, in place
	    case ${out%% *} in installed|hardened|misconfigured) ;;
	    *) die "usage: sacm-targets configure installed|hardened|misconfigured [DIR]" ;; esac
	    "configure_${out%% *}" "${DIR:-/}" ;;
	mirror) mirror ;;
	-h|--help|help) usage ;;
	-V|--version|version) echo "sacm-targets @VERSION@" ;;
	*) usage >&2; exit 2 ;;
	esac
}

main "$@"
