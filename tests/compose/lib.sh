# What the compose lab's tests share (sourced after
# tests/integration/lib.sh): the container engine, a project of their
# own (P, W, published ports), dc and ctl, the image build, healthchecks.
#
# compose_init: skips (exit 77) without a container engine with
# docker-compose (Docker, or podman's Docker API:
# ../shared/tools/container-engine.sh, whose env.sh is used when present);
# cleans up on exit, with the logs when a check failed (KEEP=1 leaves
# the project running, for debugging: its name is printed).
ENGINE_ENV=${SACM_ENGINE_ENV:-/var/tmp/sacm-podman/env.sh}
engine() { if command -v podman >/dev/null; then podman "$@"; else docker "$@"; fi; }
dc() { docker-compose -p "$P" -f compose/docker-compose.yml "$@"; }
# sacmctl as the operator, in the broker's container
ctl() { dc exec -T broker sacmctl -c /lab/accounts/ctl.conf "$@"; }

compose_init() {
	[ -z "${DOCKER_HOST:-}" ] && [ -f "$ENGINE_ENV" ] && . "$ENGINE_ENV"
	if ! command -v docker-compose >/dev/null || ! docker-compose version >/dev/null 2>&1 ||
	    { ! command -v docker >/dev/null && ! command -v podman >/dev/null; }; then
		echo "skip: no container engine with docker-compose"
		exit 77
	fi
	engine ps >/dev/null 2>&1 || { echo "skip: the container engine does not answer"; exit 77; }
	P=sacmtest$$
	W=$(mktemp -d /tmp/sacm-compose-XXXXXX)
	SACM_XMPP_PORT=$(free_port) SACM_HTTPS_PORT=$(free_port)
	export SACM_XMPP_PORT SACM_HTTPS_PORT
	trap compose_cleanup EXIT
}

compose_cleanup() {
	if [ "$fails" != 0 ]; then
		dc logs --tail=20 > "$W/logs.txt" 2>&1
		tail -150 "$W/logs.txt"
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "kept: project $P, files in $W"
		return
	fi
	dc down -v >/dev/null 2>&1
	# podman 4.3 leaves the monitors of `exec` sessions behind
	pkill -f "conmon .* -n ${P}_" 2>/dev/null
	rm -rf "$W"
}

# compose_build: the image, from Debian images (multi-stage); exits on
# failure.
compose_build() {
	local what="the image builds from Debian images (multi-stage, ${SACM_BROKER:-prosody})"
	if ! dc build > "$W/build.log" 2>&1; then
		tail -30 "$W/build.log"
		no "$what"
		exit 1
	fi
	ok "$what"
}

# compose_healthchecks SKIP...: every container's healthcheck passes
# but those of the services named (podman runs them on request; Docker
# on its own schedule).
compose_healthchecks() {
	local c name s skip
	for c in $(dc ps -q); do
		name=$(engine inspect -f '{{.Name}}' "$c")
		skip=0
		for s in "$@"; do
			case "$name" in *_"$s"_[0-9]*) skip=1 ;; esac
		done
		[ $skip = 1 ] && continue
		if command -v podman >/dev/null; then
			check "healthcheck of ${name#/}" podman healthcheck run "$c"
		else
			check "healthcheck of ${name#/}" wait_for 120 bash -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $c)\" = healthy ]"
		fi
	done
}

# compose_publish WHAT TARGET...: checks (in the words WHAT) that each
# target announces itself, publishes SSG's Debian 12 datastream (DS,
# PROFILE, ID: checked accepted) and reads each target's machine-id
# (MID[N] for target-N).
compose_publish() {
	local what=$1 n
	shift
	endpoints() { [ "$(ctl items sacm/endpoints -n 10 --json 2>/dev/null | grep -c '"id"')" -ge "$1" ]; }
	check "$what" wait_for 180 endpoints $#
	DS=/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml
	PROFILE=xccdf_org.ssgproject.content_profile_standard
	ID=$(ctl policy publish "$DS" 2>/dev/null | awk '/^accepted/ {print $3}')
	check "the Debian 12 datastream is accepted" test -n "$ID"
	declare -gA MID
	for n in "$@"; do
		MID[$n]=$(dc exec -T "target-$n" cat /etc/machine-id | tr -d '\r\n')
	done
}
