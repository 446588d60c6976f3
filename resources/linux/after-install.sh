#!/bin/bash
# deb postinst / rpm %post for Keeper Desktop, given to electron-builder as deb/rpm afterInstall.
# It is a template: electron-builder replaces ${executable} and ${sanitizedProductName} at build
# time and refuses any other braced name, so shell variables here are written $NAME, never braced.
# A custom afterInstall replaces electron-builder's default script, so its steps come first
# (same as app-builder-lib/templates/linux/after-install.tpl in electron-builder 26.17.0).

if type update-alternatives >/dev/null 2>&1; then
    # Remove previous link if it doesn't use update-alternatives
    if [ -L '/usr/bin/${executable}' -a -e '/usr/bin/${executable}' -a "`readlink '/usr/bin/${executable}'`" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
else
    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
fi

# Check if user namespaces are supported by the kernel and working with a quick test:
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    # Use SUID chrome-sandbox only on systems without user namespaces:
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-mime-database 2>/dev/null; then
    update-mime-database /usr/share/mime || true
fi

if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

# Install the AppArmor profile electron-builder ships in resources/ (Ubuntu 24+), if this AppArmor accepts it.
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi

# --- The Keeper agent as a system service ------------------------------------------------------
# Runs on first install and on every upgrade (deb: "configure"; rpm: $1 = 1 or 2): the unit may
# have changed and the new agent must replace the running one.
AGENT_UNIT_SOURCE='/opt/${sanitizedProductName}/resources/agent/keeper-agent.service'
AGENT_UNIT_TARGET=/usr/lib/systemd/system/keeper-agent.service

if [ -f "$AGENT_UNIT_SOURCE" ] && command -v systemctl >/dev/null 2>&1; then
    install -D -m 0644 "$AGENT_UNIT_SOURCE" "$AGENT_UNIT_TARGET"
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        systemctl enable keeper-agent.service || true
        systemctl restart keeper-agent.service \
            || echo "keeper-agent did not start; see: journalctl -u keeper-agent.service" >&2
    else
        # No running systemd (chroot, image build, container): enable for the next boot only.
        systemctl enable keeper-agent.service >/dev/null 2>&1 || true
    fi
fi

# --- Keeper Desktop at login (XDG autostart) ----------------------------------------------------
# Prompts, approvals and the tray need the suite in each graphical session; every desktop that
# follows the XDG autostart spec starts it from here at login.
AUTOSTART_SOURCE='/opt/${sanitizedProductName}/resources/autostart/keeper-desktop-suite.desktop'
if [ -f "$AUTOSTART_SOURCE" ]; then
    install -D -m 0644 "$AUTOSTART_SOURCE" /etc/xdg/autostart/keeper-desktop-suite.desktop
fi

exit 0
