#!/usr/bin/env bash
# Prints the directory holding etcd, etcdctl and etcdutl of etcd MINOR (3.4 or
# 3.5) for sandbox hosts, fetching it first if needed.
#   3.4: the system's own Debian bookworm package (/usr/bin).
#   3.5: etcd-server and etcd-client 3.5.x from Debian's newer suites (trixie,
#        sid), downloaded by name with a private apt sources list and private
#        lists/cache dirs, then unpacked with dpkg -x into
#        $RUNBOOK_ETCD_CACHE/etcd-3.5.N/bin (default /var/cache/runbook-sandbox).
#        Nothing is installed and no system package changes. Once cached it
#        needs no network.
# Usage: etcd-fetch.sh 3.4|3.5
# Env:   RUNBOOK_ETCD_MIRROR  Debian mirror (default: the one in /etc/apt/sources*)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"

minor=${1:-}
case $minor in
  3.4)
    # The system's package: nothing to fetch.
    [[ -x /usr/bin/etcd && -x /usr/bin/etcdctl ]] || die "etcd 3.4 is the system's etcd-server/etcd-client package; run install-deps.sh"
    echo /usr/bin
    exit 0
    ;;
  3.5) ;;
  *) die "unknown etcd version '$minor': use 3.4 or 3.5" ;;
esac

require_root
cache=${RUNBOOK_ETCD_CACHE:-/var/cache/runbook-sandbox}
current=$cache/etcd-$minor # symlink to the versioned dir, e.g. etcd-3.5.16

usable() { # DIR
  local d=$1
  [[ -x $d/etcd && -x $d/etcdctl && -x $d/etcdutl ]] && [[ $("$d/etcd" --version 2>/dev/null | head -n 1) == "etcd Version: $minor."* ]]
}

if usable "$current/bin"; then
  echo "$(readlink -f "$current")/bin"
  exit 0
fi

# The mirror this machine already uses for Debian (deb822 or one-line format).
mirror() {
  if [[ -n ${RUNBOOK_ETCD_MIRROR:-} ]]; then
    echo "$RUNBOOK_ETCD_MIRROR"
    return
  fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f")
    if [[ -n $uri ]]; then echo "${uri%/}"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $i !~ /security/) { print $i; exit } }' "$f")
    if [[ -n $uri ]]; then echo "${uri%/}"; return; fi
  done
  echo http://deb.debian.org/debian
}

fetch() {
  # Another up.sh may have fetched it while this one waited for the lock.
  if usable "$current/bin"; then return 0; fi
  local url work apt_opts version f
  url=$(mirror)
  work=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$url" trixie "$url" sid >"$work/sources.list"
  # Only this sources list, these lists and this cache: the system's apt
  # state is neither read nor changed.
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -qq)
  note "fetching etcd $minor.x package lists from $url (trixie, sid)"
  apt-get "${apt_opts[@]}" update >"$work/update.log" 2>&1 \
    || die "cannot fetch Debian package lists from $url (trixie, sid) for etcd $minor: $(tail -n 3 "$work/update.log" | tr '\n' ' ')"
  # The newest $minor.x both packages carry (sid may move on to a newer minor).
  version=$(apt-cache "${apt_opts[@]}" madison etcd-server | awk -F' [|] ' '{gsub(/ /, "", $2); print $2}' \
    | grep -E "^${minor//./\\.}\.[0-9]+-" | sort -V | tail -n 1 || true)
  [[ -n $version ]] || die "no etcd-server $minor.x in Debian trixie or sid at $url"
  note "downloading etcd-server and etcd-client $version"
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download "etcd-server=$version" "etcd-client=$version" >"$work/download.log" 2>&1) \
    || die "cannot download etcd-server/etcd-client $version from $url: $(tail -n 3 "$work/download.log" | tr '\n' ' ')"
  for f in "$work"/debs/*.deb; do
    dpkg -x "$f" "$work/root"
  done
  local upstream=${version%%-*}
  upstream=${upstream#*:}
  local dest=$cache/etcd-$upstream
  rm -rf "$dest.new"
  mkdir -p "$dest.new/bin"
  for f in etcd etcdctl etcdutl; do
    [[ -x $work/root/usr/bin/$f ]] || die "package $version has no /usr/bin/$f"
    cp "$work/root/usr/bin/$f" "$dest.new/bin/$f"
  done
  cp "$work"/debs/*.deb "$dest.new/"
  usable "$dest.new/bin" || die "the unpacked etcd $version does not run: $("$dest.new/bin/etcd" --version 2>&1 | head -n 2)"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
  ln -sfn "etcd-$upstream" "$current.tmp"
  mv -T "$current.tmp" "$current"
  note "etcd $upstream cached in $dest/bin"
}

mkdir -p "$cache"
(
  flock -w 600 9 || die "timed out waiting for $cache/.lock"
  fetch
) 9>"$cache/.lock"
usable "$current/bin" || die "etcd $minor is not usable in $current/bin"
echo "$(readlink -f "$current")/bin"
