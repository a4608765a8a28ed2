#!/bin/sh
# certbot deploy hook for qblink: copies the renewed certificate and key where the qblink user
# can read them, then sends qblink SIGHUP, which reloads them without a restart (new
# connections get the new certificate; a pair that does not load keeps the old one serving and
# logs an error). certbot's own files under /etc/letsencrypt are root-only; this hook runs as
# root after every successful renewal.
#
# Install:
#   install -m 0755 deploy/certbot-deploy-hook.sh /etc/letsencrypt/renewal-hooks/deploy/qblink
# or for one certificate only: certbot renew --deploy-hook /path/to/certbot-deploy-hook.sh
# Run it once by hand after the first `certbot certonly` (RENEWED_LINEAGE=/etc/letsencrypt/live/
# sync.example.com sh certbot-deploy-hook.sh), then point qblink at the copies:
#   QBLINK_SERVE_OPTIONS=... --tls-cert /etc/qblink/fullchain.pem --tls-key /etc/qblink/privkey.pem
#
# Settings (environment): QBLINK_TLS_DIR (default /etc/qblink), QBLINK_GROUP (default qblink),
# QBLINK_UNIT (default qblink.service), QBLINK_DOMAIN (only renewals of this lineage's name).
set -eu

lineage="${RENEWED_LINEAGE:?RENEWED_LINEAGE is not set: certbot sets it for deploy hooks}"
dest="${QBLINK_TLS_DIR:-/etc/qblink}"
group="${QBLINK_GROUP:-qblink}"
unit="${QBLINK_UNIT:-qblink.service}"

if [ -n "${QBLINK_DOMAIN:-}" ] && [ "$(basename "$lineage")" != "$QBLINK_DOMAIN" ]; then
  exit 0  # another certificate on this machine renewed
fi

install -d -m 0750 -o root -g "$group" "$dest"
# Written beside the old files, then renamed: qblink never reads half a file, and the key is
# never readable by anyone but root and the qblink group, not even for a moment.
install -m 0644 -o root -g "$group" "$lineage/fullchain.pem" "$dest/.fullchain.pem.new"
install -m 0640 -o root -g "$group" "$lineage/privkey.pem" "$dest/.privkey.pem.new"
mv -f "$dest/.privkey.pem.new" "$dest/privkey.pem"
mv -f "$dest/.fullchain.pem.new" "$dest/fullchain.pem"

if systemctl is-active --quiet "$unit"; then
  systemctl reload "$unit"  # ExecReload sends SIGHUP
  echo "qblink: certificate for $(basename "$lineage") installed in $dest; $unit reloaded"
else
  echo "qblink: certificate for $(basename "$lineage") installed in $dest ($unit not running)"
fi
