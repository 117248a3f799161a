#!/bin/bash
# Renders the repository's config/asterisk (mounted at $AH_REPO_DIR, the same absolute
# path the daemon sees, so `sound:/abs/path` from the daemon is valid here) into
# /etc/asterisk with the ports from the environment, then runs Asterisk in the foreground.
set -euo pipefail
repo=${AH_REPO_DIR:-/app}
[[ -x $repo/scripts/stack ]] || { echo "asterisk-entrypoint: the repository is not mounted at $repo" >&2; exit 1; }
rm -f /etc/asterisk/*.conf
"$repo/scripts/stack" render-config /etc/asterisk
mkdir -p /var/spool/asterisk/recording /run/asterisk
chown -R asterisk:asterisk /var/spool/asterisk /run/asterisk /var/log/asterisk
exec /usr/sbin/asterisk -f -n -U asterisk -G asterisk
