// Peer credentials of a connected Unix domain socket, as the kernel reports them, and program files
// opened with the caller's rights (callerFile.cc), the owner of a TCP socket (tcpOwner.cc), the
// CLIs' descriptor-level calls (agentConnect.cc, terminal.cc), and the elevated program's start (programSpawn.cc).
// Node-API only (NAPI_VERSION 8), so one build loads in any Node >= 18 whatever headers it was built with.
#include <napi.h>

#include "agentConnect.h"
#include "callerFile.h"
#include "memoryTrim.h"
#include "programSpawn.h"
#include "tcpOwner.h"
#include "terminal.h"
#include "throwErrors.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/un.h>
#endif

namespace {

using keeper::ThrowErrno;
using keeper::ThrowTypeError;

Napi::Value GetPeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return ThrowTypeError(env, "getPeerCredentials(fd): fd must be a number");
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  uid_t uid;
  gid_t gid;
  // 0 means unknown: the kernel reports 0 for a peer outside our pid namespace.
  pid_t pid = 0;

#if defined(__linux__)
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return ThrowErrno(env, "getsockopt(SO_PEERCRED)", errno);
  }
  uid = cred.uid;
  gid = cred.gid;
  pid = cred.pid;
#elif defined(__APPLE__)
  if (getpeereid(fd, &uid, &gid) != 0) return ThrowErrno(env, "getpeereid", errno);
#if defined(LOCAL_PEERPID)
  socklen_t len = sizeof(pid);
  // The pid is an extra; uid/gid already identify the caller, so a failure here only leaves it unknown.
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) != 0) pid = 0;
#endif
#else
  (void)fd;
  (void)uid;
  (void)gid;
  Napi::Error::New(env, "getPeerCredentials is not supported on this platform").ThrowAsJavaScriptException();
  return env.Undefined();
#endif

#if defined(__linux__) || defined(__APPLE__)
  Napi::Object result = Napi::Object::New(env);
  result.Set("uid", Napi::Number::New(env, static_cast<double>(uid)));
  result.Set("gid", Napi::Number::New(env, static_cast<double>(gid)));
  result.Set("pid", Napi::Number::New(env, static_cast<double>(pid)));
  return result;
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("getPeerCredentials", Napi::Function::New(env, GetPeerCredentials, "getPeerCredentials"));
  keeper::InitCallerFile(env, exports);
  keeper::InitTcpOwner(env, exports);
  keeper::InitMemoryTrim(env, exports);
  keeper::InitAgentConnect(env, exports);
  keeper::InitTerminal(env, exports);
  keeper::InitProgramSpawn(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(peercred, Init)
