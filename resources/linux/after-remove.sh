#!/bin/bash
# deb postrm / rpm %postun for Keeper Desktop, given to electron-builder as deb/rpm afterRemove.
# A template like after-install.sh: only the two electron-builder macros may be braced.
#
# Acts only on a real removal. deb calls postrm with remove|purge|upgrade|abort-install|...,
# rpm calls %postun with the number of versions left (0 = erase, 1 = upgrade) and, on an upgrade,
# only after the new version's %post has run: undoing anything then would break the new install.

case "$1" in
    remove|purge|abort-install|0) ;;
    *) exit 0 ;;
esac

# --- The Keeper agent system service -----------------------------------------------------------
AGENT_UNIT_TARGET=/usr/lib/systemd/system/keeper-agent.service
if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl stop keeper-agent.service >/dev/null 2>&1 || true
    fi
    systemctl disable keeper-agent.service >/dev/null 2>&1 || true
fi
rm -f "$AGENT_UNIT_TARGET"
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl reset-failed keeper-agent.service >/dev/null 2>&1 || true
fi
# The suite's XDG autostart entry.
rm -f /etc/xdg/autostart/keeper-desktop-suite.desktop
# The agent's compile cache (the unit's CacheDirectory): made again at the next start, so gone on any removal.
rm -rf /var/cache/keeper-agent
# deb purge removes the agent's state (database, keys, audit outbox); a plain remove keeps it.
if [ "$1" = purge ]; then
    rm -rf /var/lib/keeper-agent
fi

# --- electron-builder's default after-remove steps (templates/linux/after-remove.tpl) -----------
# Delete the link to the binary
if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}'
else
    rm -f '/usr/bin/${executable}'
fi

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'

# Remove and unload apparmor profile.
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi

exit 0
