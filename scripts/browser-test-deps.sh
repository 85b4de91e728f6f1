#!/usr/bin/env bash
# Makes sure the dashboard's browser tests (sample-app, Dashboard*BrowserIntegrationTests) have
# what they drive: Debian's Chromium and ChromeDriver at /usr/bin/chromium and
# /usr/bin/chromedriver. Installs (or reinstalls) the packages chromium and chromium-driver when
# either binary is missing (as root, or with passwordless sudo); a no-op that takes milliseconds
# when both are there. The sample-app build runs it in pre-integration-test, before Failsafe runs
# the browser tests, so that `mvn -B verify` passes by itself on a fresh machine of this kind;
# -Dfila.browser.skip=true (or -DskipTests) leaves it and the browser tests out. Nothing is
# downloaded but Debian's packages: Selenium uses these two binaries, never a browser or driver
# of its own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
PACKAGES=(chromium chromium-driver)

if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" ]]; then
  echo "Chromium and ChromeDriver are installed ($CHROMIUM, $CHROMEDRIVER)"
  exit 0
fi

fail() {
  echo "browser-test-deps: $*" >&2
  echo "browser-test-deps: install Debian's ${PACKAGES[*]} yourself, or run the build with" \
    "-Dfila.browser.skip=true to leave the browser tests out" >&2
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  fail "$CHROMIUM or $CHROMEDRIVER is missing and there is no apt-get to install them"
fi
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    fail "$CHROMIUM or $CHROMEDRIVER is missing and installing them needs root (or passwordless sudo)"
  fi
fi

echo "Installing Debian's ${PACKAGES[*]} for the browser tests (about 20 s, once)"
log=$(mktemp /tmp/browser-test-deps.XXXXXX.log)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# Waits up to 2 minutes for another apt or dpkg run to finish rather than failing at once.
APT=("${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=120)
apt_install() {
  "${APT[@]}" install -y --reinstall -o Dpkg::Use-Pty=0 "${PACKAGES[@]}" >>"$log" 2>&1
}
# The package lists of a fresh machine may be missing or stale: update them only when the
# first attempt fails.
if ! apt_install; then
  echo "Updating the package lists and trying again"
  if ! { "${APT[@]}" update >>"$log" 2>&1 && apt_install; }; then
    tail -n 25 "$log" >&2
    fail "apt-get could not install ${PACKAGES[*]} (its output is above)"
  fi
fi

for binary in "$CHROMIUM" "$CHROMEDRIVER"; do
  [[ -x "$binary" ]] || fail "$binary is still missing after installing ${PACKAGES[*]}"
done
echo "Installed: $("$CHROMIUM" --version 2>/dev/null | head -n 1); $("$CHROMEDRIVER" --version 2>/dev/null | head -n 1)"
