// The owner of one TCP socket, found by its four addresses with an exact NETLINK_SOCK_DIAG lookup:
// the kernel looks the socket up in its hash, where /proc/net/tcp would print every socket there is.
// The web shell uses it to learn which user opened a loopback connection to it.
#include "tcpOwner.h"
#include "throwErrors.h"

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#if defined(__linux__)
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#endif

namespace keeper {
namespace {

Napi::Value Fail(Napi::Env env, const std::string& message, int err) {
  Napi::Error error = Napi::Error::New(env, err ? message + ": " + std::strerror(err) : message);
  if (err) error.Set("errno", Napi::Number::New(env, err));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

#if defined(__linux__)
/** Closes the netlink socket on every way out. */
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool ParsePort(const Napi::Value& value, uint16_t* port) {
  if (!value.IsNumber()) return false;
  const double n = value.As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 65535) || n != static_cast<double>(static_cast<uint32_t>(n))) return false;
  *port = htons(static_cast<uint16_t>(n));
  return true;
}

bool ParseIPv4(const Napi::Value& value, uint32_t* address) {
  if (!value.IsString()) return false;
  struct in_addr parsed;
  if (inet_pton(AF_INET, value.As<Napi::String>().Utf8Value().c_str(), &parsed) != 1) return false;
  *address = parsed.s_addr;
  return true;
}
#endif

#if defined(__linux__)
/** What one lookup found: an owner's uid, no socket held by a process, or a failure (errno, or -1). */
struct Lookup {
  enum { kOwner, kNone, kFailed } outcome;
  double uid;
  std::string call;
  int err;
};

/**
 * One exact lookup in `family`'s table. An IPv4 connection is asked for in AF_INET, and again in
 * AF_INET6 as IPv4-mapped addresses: a dual-stack client's socket is only found there.
 */
Lookup LookUp(int sock, uint8_t family, uint32_t local, uint16_t localPort, uint32_t remote, uint16_t remotePort) {
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } message;
  std::memset(&message, 0, sizeof(message));
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  // No NLM_F_DUMP: an exact lookup of one socket, not a walk of the table.
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.header.nlmsg_seq = family;
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0U;
  message.request.id.idiag_sport = localPort;
  message.request.id.idiag_dport = remotePort;
  const int word = family == AF_INET ? 0 : 3;
  if (family == AF_INET6) message.request.id.idiag_src[2] = message.request.id.idiag_dst[2] = htonl(0xffff);
  message.request.id.idiag_src[word] = local;
  message.request.id.idiag_dst[word] = remote;
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  struct sockaddr_nl kernel;
  std::memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(sock, &message, sizeof(message), 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    return {Lookup::kFailed, 0, "sendto(NETLINK_SOCK_DIAG)", errno};
  }
  alignas(struct nlmsghdr) char buffer[8192];
  ssize_t length;
  do {
    length = recv(sock, buffer, sizeof(buffer), 0);
  } while (length < 0 && errno == EINTR);
  if (length < 0) return {Lookup::kFailed, 0, "recv(NETLINK_SOCK_DIAG)", errno};

  for (struct nlmsghdr* header = reinterpret_cast<struct nlmsghdr*>(buffer); NLMSG_OK(header, static_cast<unsigned>(length));
       header = NLMSG_NEXT(header, length)) {
    if (header->nlmsg_seq != family) continue;
    if (header->nlmsg_type == NLMSG_ERROR) {
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) break;
      const int err = -static_cast<const struct nlmsgerr*>(NLMSG_DATA(header))->error;
      if (err == ENOENT) return {Lookup::kNone, 0, "", 0};
      return {Lookup::kFailed, 0, "NETLINK_SOCK_DIAG lookup", err};
    }
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
    const struct inet_diag_msg* found = static_cast<const struct inet_diag_msg*>(NLMSG_DATA(header));
    const bool same = found->idiag_family == family && found->id.idiag_sport == localPort && found->id.idiag_dport == remotePort &&
                      found->id.idiag_src[word] == local && found->id.idiag_dst[word] == remote;
    // A listener is not the client's socket; one with no inode is held by no process any more (closed,
    // lingering in FIN_WAIT or TIME_WAIT), and the kernel reports such sockets as root's.
    if (!same || found->idiag_state == TCP_LISTEN || found->idiag_inode == 0) return {Lookup::kNone, 0, "", 0};
    return {Lookup::kOwner, static_cast<double>(found->idiag_uid), "", 0};
  }
  return {Lookup::kFailed, 0, "NETLINK_SOCK_DIAG lookup: no answer", -1};
}
#endif

/**
 * tcpSocketOwner(localAddress, localPort, remoteAddress, remotePort): the uid owning the TCP socket
 * (IPv4, or IPv4-mapped IPv6) whose own end is local and whose peer is remote, or null when no
 * process holds such a socket.
 */
Napi::Value TcpSocketOwner(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#if defined(__linux__)
  uint32_t local = 0, remote = 0;
  uint16_t localPort = 0, remotePort = 0;
  if (info.Length() < 4 || !ParseIPv4(info[0], &local) || !ParsePort(info[1], &localPort) || !ParseIPv4(info[2], &remote) ||
      !ParsePort(info[3], &remotePort)) {
    return ThrowTypeError(env, "tcpSocketOwner(localAddress, localPort, remoteAddress, remotePort): IPv4 addresses and ports 1-65535");
  }

  Fd sock{socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
  if (sock.fd < 0) return Fail(env, "socket(NETLINK_SOCK_DIAG)", errno);
  // The kernel answers at once; the timeout only keeps a broken netlink from hanging the caller.
  struct timeval timeout = {1, 0};
  setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));

  for (const uint8_t family : {static_cast<uint8_t>(AF_INET), static_cast<uint8_t>(AF_INET6)}) {
    const Lookup found = LookUp(sock.fd, family, local, localPort, remote, remotePort);
    if (found.outcome == Lookup::kOwner) return Napi::Number::New(env, found.uid);
    if (found.outcome == Lookup::kFailed) return Fail(env, found.call, found.err < 0 ? 0 : found.err);
  }
  return env.Null();
#else
  (void)info;
  return Fail(env, "tcpSocketOwner is not supported on this platform", 0);
#endif
}

}  // namespace

void InitTcpOwner(Napi::Env env, Napi::Object exports) {
  exports.Set("tcpSocketOwner", Napi::Function::New(env, TcpSocketOwner, "tcpSocketOwner"));
}

}  // namespace keeper
