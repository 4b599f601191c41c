#!/bin/sh
# Install the Debian packages stagecoach builds and tests with, when missing.
# Used by .ci/run and make demo.  Needs root (or sudo) only when something is missing.
set -e
PKGS="gcc make pkg-config libconfig-dev libpq-dev libcurl4-openssl-dev libssh2-1-dev libssl-dev \
libpg-query-dev libjansson-dev postgresql postgresql-client openssh-server openssh-client \
python3 ca-certificates alembic python3-alembic python3-psycopg2 git"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "stagecoach: installing:$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
