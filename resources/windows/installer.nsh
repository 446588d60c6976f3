; Keeper Desktop NSIS include (electron-builder nsis.include): registers the Keeper agent as the
; Windows service "KeeperAgent" on install and removes it on uninstall. perMachine installs run
; elevated, which sc.exe and icacls need.
;
; node.exe cannot be the service binary itself: it never calls StartServiceCtrlDispatcher, so the
; Service Control Manager kills it after 30 s (error 1053). The service binary is a service host,
; WinSW renamed to keeper-agent-service.exe and shipped in resources\agent\ (it is not in the repo
; yet); it reads keeper-agent-service.xml beside it, written below, and runs
;   node.exe keeper-agent.mjs --data-dir <ProgramData>\Keeper\Agent --policies ... --jobs ...
; on the default pipe \\.\pipe\keeper-agent. Without the host, the install goes on without the
; service and says so (no broken service is left registered).

!define KEEPER_AGENT_SERVICE "KeeperAgent"
; Keeper Desktop at login, for every user (the machine's Run key): prompts, approvals and the tray
; need the suite running in the user's session.
!define KEEPER_RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define KEEPER_RUN_VALUE "KeeperDesktop"

!macro keeperStopAndDeleteAgentService
  ; Stop first: a running agent holds resources\agent\node.exe open and blocks the file copy.
  nsExec::ExecToLog '"$SYSDIR\sc.exe" stop ${KEEPER_AGENT_SERVICE}'
  Pop $0
  Sleep 2000
  nsExec::ExecToLog '"$SYSDIR\sc.exe" delete ${KEEPER_AGENT_SERVICE}'
  Pop $0
!macroend

!macro customInstall
  !insertmacro keeperStopAndDeleteAgentService

  WriteRegStr HKLM "${KEEPER_RUN_KEY}" "${KEEPER_RUN_VALUE}" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}"'

  ; The agent refuses a --data-dir that does not exist. Its database, keys and audit outbox are
  ; readable by SYSTEM and Administrators only (ProgramData lets every user read and create).
  ReadEnvStr $R0 PROGRAMDATA
  StrCpy $R1 "$R0\Keeper\Agent"
  CreateDirectory "$R1"
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$R1" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F'
  Pop $0

  StrCpy $R2 "$INSTDIR\resources\agent"
  ${If} ${FileExists} "$R2\keeper-agent-service.exe"
    FileOpen $R3 "$R2\keeper-agent-service.xml" w
    FileWrite $R3 '<service>$\r$\n'
    FileWrite $R3 '  <id>${KEEPER_AGENT_SERVICE}</id>$\r$\n'
    FileWrite $R3 '  <name>Keeper Agent</name>$\r$\n'
    FileWrite $R3 '  <description>Keeper endpoint agent: policy, approvals, MFA and audit for Keeper Desktop.</description>$\r$\n'
    FileWrite $R3 '  <executable>$R2\node.exe</executable>$\r$\n'
    FileWrite $R3 '  <arguments>"$R2\keeper-agent.mjs" --data-dir "$R1" --policies "$R2\policies" --jobs "$R2\jobs"</arguments>$\r$\n'
    FileWrite $R3 '  <env name="NODE_ENV" value="production"/>$\r$\n'
    FileWrite $R3 '  <onfailure action="restart" delay="2 sec"/>$\r$\n'
    FileWrite $R3 '  <stoptimeout>15 sec</stoptimeout>$\r$\n'
    FileWrite $R3 '  <logpath>$R1\logs</logpath>$\r$\n'
    FileWrite $R3 '  <log mode="roll-by-size"/>$\r$\n'
    FileWrite $R3 '</service>$\r$\n'
    FileClose $R3

    nsExec::ExecToLog '"$SYSDIR\sc.exe" create ${KEEPER_AGENT_SERVICE} binPath= "\"$R2\keeper-agent-service.exe\"" start= auto DisplayName= "Keeper Agent"'
    Pop $0
    ${If} $0 == 0
      nsExec::ExecToLog '"$SYSDIR\sc.exe" description ${KEEPER_AGENT_SERVICE} "Keeper endpoint agent: policy, approvals, MFA and audit for Keeper Desktop."'
      Pop $0
      nsExec::ExecToLog '"$SYSDIR\sc.exe" failure ${KEEPER_AGENT_SERVICE} reset= 86400 actions= restart/2000/restart/5000/restart/30000'
      Pop $0
      nsExec::ExecToLog '"$SYSDIR\sc.exe" start ${KEEPER_AGENT_SERVICE}'
      Pop $0
    ${Else}
      DetailPrint "Keeper Agent: sc.exe create failed ($0); the agent service is not registered."
    ${EndIf}
  ${Else}
    DetailPrint "Keeper Agent: $R2\keeper-agent-service.exe is missing; the agent service is not registered."
  ${EndIf}
!macroend

!macro customUnInstall
  ; Also runs when an update replaces this version: the new installer registers the service again.
  !insertmacro keeperStopAndDeleteAgentService
  Delete "$INSTDIR\resources\agent\keeper-agent-service.xml"
  DeleteRegValue HKLM "${KEEPER_RUN_KEY}" "${KEEPER_RUN_VALUE}"
!macroend
