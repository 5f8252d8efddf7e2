#!/bin/sh
# deps.sh - make sure the Debian packages the build and tests need are
# here.  As root it installs what is missing with apt-get; otherwise it
# names the packages and fails.  `make` runs it once (stamp in build/).
set -eu

# pkg-config module or command : Debian package
needs="
xapian-core:libxapian-dev
libmicrohttpd:libmicrohttpd-dev
libxml-2.0:libxml2-dev
jansson:libjansson-dev
check:check
libcurl:libcurl4-openssl-dev
"
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
command -v make >/dev/null 2>&1 || missing="$missing make"
# The browser tests: Debian's Chromium, and node with npm for
# playwright-core; node and npm from Debian only when there are none, a
# newer node installed another way does as well.
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
for pair in $needs; do
	mod=${pair%%:*}
	pkg=${pair#*:}
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$mod"; then
		missing="$missing $pkg"
	fi
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing pkg-config g++ make >/dev/null
	exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: install them with: sudo apt-get install$missing" >&2
exit 1
