#!/usr/bin/env bash
# Installs the independent implementations the interop tier tests against (Debian packages).
# Idempotent; skips the network when everything is already there.
#   python3, mblaze: MIME; knot-dnsutils (kdig), bind9-dnsutils (dig, nsupdate), nsd, dnsperf:
#   DNS (unbound: the resolver differential; dnsperf for bench/dns-*.mjs); git: the primary's zones directory as a repository.
#   python3-dkim, libmail-dkim-perl, opendkim-tools, opendkim (the filter: its test mode): DKIM; python3-spf: SPF; pebble, openssl: ACME; bogofilter: bench/spam-*.mjs;
#   swaks (+ its TLS modules), postfix (smtp-sink, smtp-source), python3-aiosmtpd: SMTP.
set -euo pipefail
PACKAGES=(python3 mblaze knot-dnsutils bind9-dnsutils nsd unbound dnsperf git python3-dkim libmail-dkim-perl opendkim-tools opendkim python3-spf pebble openssl bogofilter swaks libnet-ssleay-perl libio-socket-ssl-perl postfix python3-aiosmtpd)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "interop peers present: ${PACKAGES[*]}"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# nsd's package starts a system nsd on port 53 when installed, and its postinst fails when
# that start fails (port 53 taken). The tests never use it: they run their own nsd with their
# own configuration on a free loopback port. So no service starts during the installation
# (the policy-rc.d convention, honoured by invoke-rc.d and deb-systemd-invoke).
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" || {
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}
