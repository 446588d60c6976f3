// A CLI's connection to the agent as a plain descriptor: one-shot clients (keeper-elevate…) read and
// write it with node:fs instead of loading node:net and its streams, which cost more CPU than the whole
// conversation with the agent. The caller checks the peer's credentials (getPeerCredentials) before it
// writes anything.
#include "agentConnect.h"
#include "throwErrors.h"

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace keeper {
namespace {

/**
 * connectUnixSocket(path, timeoutMs): a blocking, close-on-exec stream socket connected to `path`.
 * `timeoutMs` is its send timeout, which bounds both the connect (the kernel applies it to a Unix connect
 * waiting on a full backlog) and every later write: a write the agent does not take within it (an agent that
 * stopped reading) fails with EAGAIN instead of holding the CLI for good. Reads are not bounded: an answer
 * may wait for a person at a prompt.
 */
Napi::Value ConnectUnixSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    return ThrowTypeError(env, "connectUnixSocket(path, timeoutMs): a string and a number");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int64_t timeoutMs = info[1].As<Napi::Number>().Int64Value();
  struct sockaddr_un address;
  std::memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path) || path.find('\0') != std::string::npos) {
    return ThrowErrno(env, "connect", ENAMETOOLONG);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size());

  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno);
  // Set at once (no SOCK_CLOEXEC on macOS): nothing the CLI might spawn may inherit the connection.
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    const int err = errno;
    close(fd);
    return ThrowErrno(env, "fcntl", err);
  }
  struct timeval limit;
  limit.tv_sec = static_cast<time_t>(timeoutMs / 1000);
  limit.tv_usec = static_cast<suseconds_t>((timeoutMs % 1000) * 1000);
  int result;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) != 0) {
    result = -1;
  } else {
    do {
      result = connect(fd, reinterpret_cast<const struct sockaddr*>(&address), sizeof(address));
    } while (result != 0 && errno == EINTR);
  }
  if (result != 0) {
    const int err = errno;
    close(fd);
    return ThrowErrno(env, "connect", err);
  }
#if defined(SO_NOSIGPIPE)
  // macOS: a write to a closed connection fails with EPIPE instead of raising SIGPIPE.
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof(on));
#endif
  return Napi::Number::New(env, fd);
}

/** shutdownSocket(fd): both directions, so a read pending on another thread returns at once. */
Napi::Value ShutdownSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return ThrowTypeError(env, "shutdownSocket(fd): fd must be a number");
  }
  if (shutdown(info[0].As<Napi::Number>().Int32Value(), SHUT_RDWR) != 0 && errno != ENOTCONN) return ThrowErrno(env, "shutdown", errno);
  return env.Undefined();
}

}  // namespace

void InitAgentConnect(Napi::Env env, Napi::Object exports) {
  exports.Set("connectUnixSocket", Napi::Function::New(env, ConnectUnixSocket, "connectUnixSocket"));
  exports.Set("shutdownSocket", Napi::Function::New(env, ShutdownSocket, "shutdownSocket"));
}

}  // namespace keeper
