#!/usr/bin/env bash
# Prepares a fresh Debian (bookworm) machine, as root, for edgecog's integration tests:
# a Docker engine without a bridge, the Python 3.11 base image (no registry needed), and the
# machine's local Python package sources served over HTTP on 127.0.0.1 the way a private index
# would be. Idempotent: every step checks first, so a rerun takes seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache=/var/cache/edgecog-ci
state=/var/lib/edgecog-ci
base_image="${EDGECOG_BASE_IMAGE:-edgecog-base/python:3.11}"
index_port="${EDGECOG_CI_INDEX_PORT:-3141}"
mkdir -p "$cache" "$state"

log() { printf 'ci-setup: %s\n' "$*" >&2; }

# 1. packages ------------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
[ -x /usr/bin/docker ] || need+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package from starting a default dockerd (with a docker0 bridge on a private
  # range): we start our own below, without a bridge.
  policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$policy_added" ] || rm -f /usr/sbin/policy-rc.d
fi

# 2. engine: no bridge, no iptables (see shared/ci/README.md) ------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd --bridge=none --iptables=false >/var/log/edgecog-ci-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/edgecog-ci-dockerd.log"; exit 1; }
fi

# 3. base image: debootstrap'd bookworm with python3 (3.11), imported without a registry ------
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  tarball="$cache/bookworm-python3.tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap bookworm (about a minute)"
    rootfs="$(mktemp -d /tmp/edgecog-rootfs.XXXXXX)"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
      bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
    # Smaller image, and no stale package lists baked in.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/tmp/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    tar -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing $base_image"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$base_image" >/dev/null
fi

# 4. local package index ---------------------------------------------------------------------
# pip on these machines reads local sources (`pip config list`): find-links directories and
# file:// PEP 503 indexes. A build container cannot see host paths, so serve them all under one
# root on loopback; the indexes use relative links, so they work over HTTP unchanged.
root="$state/index-root"
mkdir -p "$root"
declare -a index_names=() link_names=()
config="$(pip config list 2>/dev/null || true)"
values() { # values of pip config keys named $1 (any section), split on whitespace
  printf '%s\n' "$config" | sed -n "s/^[^=]*\.$1='\(.*\)'\$/\1/p" | tr ' ' '\n' | sed '/^$/d' | awk '!seen[$0]++'
}
link_for() { # $1 = host dir; prints the name it is served under
  local dir="$1" name
  name="$(printf '%s' "$dir" | sed 's#^/##; s#/#-#g')"
  ln -sfn "$dir" "$root/$name"
  printf '%s' "$name"
}
while IFS= read -r url; do
  [ -n "$url" ] || continue
  case "$url" in
    file://*) dir="${url#file://}" ;;
    /*) dir="$url" ;;
    *) continue ;;
  esac
  dir="${dir%/}"
  [ -d "$dir" ] || continue
  # An index is served from its parent so that links like ../../files/x.whl resolve.
  parent="$(dirname "$dir")"
  index_names+=("$(link_for "$parent")/$(basename "$dir")")
done < <(values index-url; values extra-index-url)
while IFS= read -r path; do
  [ -n "$path" ] || continue
  path="${path#file://}"
  path="${path%/}"
  [ -d "$path" ] || continue
  link_names+=("$(link_for "$path")")
done < <({ values find-links; printf '%s\n' ${PIP_FIND_LINKS:-}; } | awk '!seen[$0]++')

if ! python3 - "$index_port" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.close()
PY
then
  log "serving $root on 127.0.0.1:$index_port"
  nohup setsid python3 -m http.server --bind 127.0.0.1 --directory "$root" "$index_port" \
    >/var/log/edgecog-ci-index.log 2>&1 &
  echo $! >"$state/index.pid"
  for _ in $(seq 1 50); do
    python3 -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:$index_port/',timeout=1)" 2>/dev/null && break
    sleep 0.2
  done
fi

base_url="http://127.0.0.1:$index_port"
{
  echo "EDGECOG_BASE_IMAGE=$base_image"
  echo "EDGECOG_TEST_BASE_IMAGE=$base_image"
  echo "EDGECOG_TEST_INDEX_HOST=127.0.0.1:$index_port"
  if [ ${#index_names[@]} -gt 0 ]; then
    echo "EDGECOG_TEST_INDEX_URL=$base_url/${index_names[0]}"
    extra=""
    for name in "${index_names[@]:1}"; do extra="$extra $base_url/$name"; done
    echo "EDGECOG_TEST_EXTRA_INDEX_URL=${extra# }"
  fi
  links=""
  for name in "${link_names[@]}"; do links="$links $base_url/$name/"; done
  echo "EDGECOG_TEST_FIND_LINKS=${links# }"
} >"$here/env"
log "ready: $(tr '\n' ' ' <"$here/env")"
