// Opens a program file the way its requester could, once, and hashes exactly what was opened.
//
// Every call runs on a thread of its own (never libuv's pool): an open or read that blocks (a FIFO
// swapped in, a stalled FUSE mount) then stalls only that caller's answer, never the agent. The thread
// takes the caller's filesystem identity with the raw per-thread syscalls (glibc's setgroups and
// setfsuid wrappers change every thread of the process), so the kernel applies the caller's rights to
// every path lookup, and puts its own identity back before it ends.
#include "callerFile.h"

#include <napi.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sha256.h"
#include "throwErrors.h"

#if defined(__linux__)
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#endif

namespace keeper {
namespace {

struct OpenRequest {
  std::string path;
  uid_t uid = 0;
  gid_t gid = 0;
  bool switchIdentity = false;
  bool sealIfWritable = false;
  uint64_t maxCopyBytes = 0;
};

struct Outcome {
  bool ok = false;
  std::string code;  // on failure: not-found, not-readable, not-regular, writable-by-others, changed, too-large, failed
  std::string path;  // the canonical path, or the file or folder a refusal is about
  int error = 0;
  int fd = -1;
  std::string sha256;
  bool sealed = false;
  double size = 0;
};

Outcome Fail(const std::string& code, const std::string& path, int error = 0) {
  Outcome outcome;
  outcome.code = code;
  outcome.path = path;
  outcome.error = error;
  return outcome;
}

#if defined(__linux__)

/** What an errno from a lookup tells the caller: no more than they would learn themselves. */
std::string LookupFailure(int error) {
  return error == EACCES || error == EPERM ? "not-readable" : error == ELOOP ? "changed" : "not-found";
}

bool ReadAllHashing(int fd, Sha256& hash, int copyTo, uint64_t limit, std::string& failure) {
  std::vector<unsigned char> buffer(1 << 20);
  off_t offset = 0;
  for (;;) {
    const ssize_t n = pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failure = "failed";
      return false;
    }
    if (n == 0) return true;
    offset += n;
    if (copyTo >= 0) {
      if (static_cast<uint64_t>(offset) > limit) {
        failure = "too-large";
        return false;
      }
      for (ssize_t written = 0; written < n;) {
        const ssize_t w = write(copyTo, buffer.data() + written, n - written);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          failure = "failed";
          return false;
        }
        written += w;
      }
    }
    hash.Update(buffer.data(), static_cast<size_t>(n));
  }
}

/** The thread's filesystem identity, taken and given back with per-thread raw syscalls. */
class FsIdentity {
 public:
  bool Become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    savedUid_ = static_cast<uid_t>(syscall(SYS_setfsuid, -1));
    savedGid_ = static_cast<gid_t>(syscall(SYS_setfsgid, -1));
    const int count = getgroups(0, nullptr);
    if (count < 0) return false;
    savedGroups_.resize(count);
    if (getgroups(count, savedGroups_.data()) != count) return false;
    changed_ = true;
    if (syscall(SYS_setgroups, groups.size(), groups.data()) != 0) return false;
    syscall(SYS_setfsgid, gid);
    syscall(SYS_setfsuid, uid);
    // setfsuid reports the previous id, never an error: read both back to know they took.
    return static_cast<uid_t>(syscall(SYS_setfsuid, -1)) == uid && static_cast<gid_t>(syscall(SYS_setfsgid, -1)) == gid;
  }

  ~FsIdentity() {
    if (!changed_) return;
    syscall(SYS_setfsuid, savedUid_);
    syscall(SYS_setfsgid, savedGid_);
    syscall(SYS_setgroups, savedGroups_.size(), savedGroups_.data());
  }

 private:
  bool changed_ = false;
  uid_t savedUid_ = 0;
  gid_t savedGid_ = 0;
  std::vector<gid_t> savedGroups_;
};

std::vector<gid_t> GroupsOf(uid_t uid, gid_t gid) {
  std::vector<gid_t> groups{gid};
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> text(16384);
  if (getpwuid_r(uid, &entry, text.data(), text.size(), &found) != 0 || found == nullptr) return groups;
  int count = 64;
  std::vector<gid_t> list(count);
  if (getgrouplist(found->pw_name, found->pw_gid, list.data(), &count) < 0) {
    list.resize(count);
    if (getgrouplist(found->pw_name, found->pw_gid, list.data(), &count) < 0) return groups;
  }
  list.resize(count);
  for (gid_t g : list) groups.push_back(g);
  return groups;
}

bool InGroups(gid_t gid, const std::vector<gid_t>& groups) {
  for (gid_t g : groups) {
    if (g == gid) return true;
  }
  return false;
}

/** Named write grants of a POSIX ACL (system.posix_acl_access): who besides owner, group and other may write. */
struct AclWriters {
  bool any = false;
  std::vector<uid_t> users;
  std::vector<gid_t> groups;
};

AclWriters AclWritersOf(const std::string& path, int fd) {
  AclWriters writers;
  unsigned char data[4096];
  const ssize_t n = fd >= 0 ? fgetxattr(fd, "system.posix_acl_access", data, sizeof(data)) : lgetxattr(path.c_str(), "system.posix_acl_access", data, sizeof(data));
  if (n < 4) return writers;
  bool maskWrites = true;
  for (ssize_t at = 4; at + 8 <= n; at += 8) {
    const unsigned tag = data[at] | (data[at + 1] << 8);
    const unsigned perm = data[at + 2] | (data[at + 3] << 8);
    const uint32_t id = data[at + 4] | (data[at + 5] << 8) | (data[at + 6] << 16) | (uint32_t(data[at + 7]) << 24);
    if (tag == 0x10) maskWrites = (perm & 2) != 0;
    if ((perm & 2) == 0) continue;
    if (tag == 0x02) writers.users.push_back(id);
    if (tag == 0x08) writers.groups.push_back(id);
  }
  if (!maskWrites) {
    writers.users.clear();
    writers.groups.clear();
  }
  writers.any = !writers.users.empty() || !writers.groups.empty();
  return writers;
}

/** Whether anyone but root and the requester could change this file or folder (mode bits, owner, ACL). */
bool WritableByOthers(const struct stat& st, const AclWriters& acl, uid_t requester) {
  if (st.st_uid != 0 && st.st_uid != requester) return true;
  if ((st.st_mode & S_IWGRP) && st.st_gid != 0) return true;
  if (st.st_mode & S_IWOTH) return true;
  for (uid_t u : acl.users) {
    if (u != 0 && u != requester) return true;
  }
  for (gid_t g : acl.groups) {
    if (g != 0) return true;
  }
  return false;
}

/**
 * Every folder above the canonical path: one that others may change is refused, except a sticky one
 * (such as /tmp) owned by root or the requester: there others cannot rename or remove entries they
 * do not own, and the entry on the path is checked in turn (the next folder, or the file itself).
 */
std::string UnsafeFolder(const std::string& canonical, uid_t requester) {
  std::string folder = "/";
  size_t at = 1;
  while (true) {
    struct stat dir;
    if (lstat(folder.c_str(), &dir) != 0) return folder;
    const bool stickyOwn = (dir.st_mode & S_ISVTX) && (dir.st_uid == 0 || dir.st_uid == requester);
    if (WritableByOthers(dir, AclWritersOf(folder, -1), requester) && !stickyOwn) return folder;
    const size_t slash = canonical.find('/', at);
    if (slash == std::string::npos) return "";
    folder = canonical.substr(0, slash);
    at = slash + 1;
  }
}

int OpenNoSymlinks(const std::string& path) {
  struct open_how how = {};
  how.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const long fd = syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof(how));
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  // Kernels before 5.6: the final component is still never followed; readlink below checks the rest.
  return open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

std::string DescriptorPath(int fd) {
  char link[64];
  char target[PATH_MAX + 1];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, PATH_MAX);
  return n < 0 ? "" : std::string(target, static_cast<size_t>(n));
}

/**
 * A sealed in-memory copy of a file the requester can write: they could rewrite the inode between
 * the hash and the exec, but nobody can change the copy, so it is what is hashed and run.
 */
Outcome SealedCopy(int source, const struct stat& st, uint64_t limit, const std::string& canonical) {
  if (static_cast<uint64_t>(st.st_size) > limit) return Fail("too-large", canonical);
  int memfd = memfd_create("keeper-elevated", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (memfd < 0 && errno == EINVAL) memfd = memfd_create("keeper-elevated", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0) return Fail("failed", canonical, errno);
  Sha256 hash;
  std::string failure;
  if (!ReadAllHashing(source, hash, memfd, limit, failure) || fchmod(memfd, st.st_mode & 0555) != 0 ||
      fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    const int error = errno;
    close(memfd);
    return Fail(failure.empty() ? "failed" : failure, canonical, error);
  }
  // exec refuses a file with a writer open (ETXTBSY): keep a read-only descriptor of the copy.
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", memfd);
  const int readOnly = open(link, O_RDONLY | O_CLOEXEC);
  const int error = errno;
  close(memfd);
  if (readOnly < 0) return Fail("failed", canonical, error);
  Outcome outcome;
  outcome.ok = true;
  outcome.fd = readOnly;
  outcome.path = canonical;
  outcome.sha256 = hash.HexDigest();
  outcome.sealed = true;
  outcome.size = static_cast<double>(st.st_size);
  return outcome;
}

/** Everything done with the caller's rights: resolve, open once, check, hash or copy. */
Outcome OpenAsCaller(const OpenRequest& request, const std::vector<gid_t>& groups) {
  char resolved[PATH_MAX];
  if (realpath(request.path.c_str(), resolved) == nullptr) {
    const int error = errno;
    return Fail(error == EACCES || error == EPERM ? "not-readable" : "not-found", request.path, error);
  }
  const std::string canonical(resolved);
  const int fd = OpenNoSymlinks(canonical);
  if (fd < 0) return Fail(LookupFailure(errno), canonical, errno);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Fail("not-regular", canonical);
  }
  if (DescriptorPath(fd) != canonical) {
    close(fd);
    return Fail("changed", canonical);
  }
  const AclWriters acl = AclWritersOf(canonical, fd);
  if (WritableByOthers(st, acl, request.uid)) {
    close(fd);
    return Fail("writable-by-others", canonical);
  }
  const std::string folder = UnsafeFolder(canonical, request.uid);
  if (!folder.empty()) {
    close(fd);
    return Fail("writable-by-others", folder);
  }
  bool writableByRequester = request.uid != 0 && (st.st_uid == request.uid || ((st.st_mode & S_IWGRP) && InGroups(st.st_gid, groups)));
  for (uid_t u : acl.users) writableByRequester = writableByRequester || (request.uid != 0 && u == request.uid);
  for (gid_t g : acl.groups) writableByRequester = writableByRequester || (request.uid != 0 && InGroups(g, groups));
  if (request.sealIfWritable && writableByRequester) {
    Outcome copy = SealedCopy(fd, st, request.maxCopyBytes, canonical);
    close(fd);
    return copy;
  }
  Sha256 hash;
  std::string failure;
  if (!ReadAllHashing(fd, hash, -1, 0, failure)) {
    const int error = errno;
    close(fd);
    return Fail(failure, canonical, error);
  }
  Outcome outcome;
  outcome.ok = true;
  outcome.fd = fd;
  outcome.path = canonical;
  outcome.sha256 = hash.HexDigest();
  outcome.size = static_cast<double>(st.st_size);
  return outcome;
}

Outcome Work(const OpenRequest& request) {
  const std::vector<gid_t> groups = GroupsOf(request.uid, request.gid);
  if (!request.switchIdentity) return OpenAsCaller(request, groups);
  FsIdentity identity;
  if (!identity.Become(request.uid, request.gid, groups)) return Fail("failed", request.path, errno);
  return OpenAsCaller(request, groups);
}

Outcome HashWork(int fd) {
  Sha256 hash;
  std::string failure;
  if (!ReadAllHashing(fd, hash, -1, 0, failure)) return Fail(failure, "", errno);
  Outcome outcome;
  outcome.ok = true;
  outcome.sha256 = hash.HexDigest();
  return outcome;
}

#else

Outcome Work(const OpenRequest& request) { return Fail("unsupported", request.path); }
Outcome HashWork(int) { return Fail("unsupported", ""); }

#endif

/**
 * The outcome as a JS object, in raw Node-API: while the environment is torn down (the agent
 * exiting with a check still running) every call may fail, and the C++ wrappers would make that fatal.
 */
bool ToJs(napi_env env, const Outcome& outcome, napi_value* result) {
  auto set = [&](const char* name, napi_value value) { return value != nullptr && napi_set_named_property(env, *result, name, value) == napi_ok; };
  auto boolean = [&](bool b) { napi_value v = nullptr; napi_get_boolean(env, b, &v); return v; };
  auto string = [&](const std::string& text) { napi_value v = nullptr; napi_create_string_utf8(env, text.data(), text.size(), &v); return v; };
  auto number = [&](double d) { napi_value v = nullptr; napi_create_double(env, d, &v); return v; };
  if (napi_create_object(env, result) != napi_ok) return false;
  if (!set("ok", boolean(outcome.ok)) || !set("path", string(outcome.path))) return false;
  if (outcome.ok) {
    return set("fd", number(outcome.fd)) && set("sha256", string(outcome.sha256)) && set("sealed", boolean(outcome.sealed)) && set("size", number(outcome.size));
  }
  return set("code", string(outcome.code)) && set("errno", number(outcome.error));
}

void CloseUnclaimed(const Outcome& outcome) {
#if defined(__linux__)
  if (outcome.ok && outcome.fd >= 0) close(outcome.fd);
#else
  (void)outcome;
#endif
}

/**
 * Whether the JS environment still exists. A check can outlive it (the agent exits while a thread
 * is stuck in the kernel), and a thread-safe function's memory goes with it: threads touch theirs
 * only under this mutex, while `gone` is false. The cleanup hook that sets it is added when the
 * addon loads, so it runs before the hooks of any thread-safe function and before their memory is freed.
 */
struct Lifetime {
  std::mutex mutex;
  bool gone = false;
};

using SharedLifetime = std::shared_ptr<Lifetime>;

/** Runs `work` on a new detached thread and settles the returned promise on the JS thread. */
template <typename Work>
Napi::Value OnOwnThread(Napi::Env env, Work work) {
  SharedLifetime* lifetime = env.GetInstanceData<SharedLifetime>();
  if (lifetime == nullptr) {
    Napi::Error::New(env, "the addon was not initialised").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SharedLifetime life = *lifetime;
  napi_deferred deferred = nullptr;
  napi_value promise = nullptr;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) {
    Napi::Error::New(env, "cannot create a promise").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ThreadSafeFunction done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "keeper-caller-file", 0, 1);
  // A thread stuck in the kernel must not keep the agent from exiting.
  done.Unref(env);
  std::thread([done, deferred, work, life]() mutable {
    auto outcome = std::make_shared<Outcome>(work());
    std::lock_guard<std::mutex> lock(life->mutex);
    if (life->gone) {
      CloseUnclaimed(*outcome);
      return;
    }
    const napi_status status = done.NonBlockingCall([deferred, outcome](Napi::Env env, Napi::Function) {
      napi_value value = nullptr;
      // Nobody can take the descriptor when the environment is going away: close it.
      if (env == nullptr || !ToJs(env, *outcome, &value) || napi_resolve_deferred(env, deferred, value) != napi_ok) CloseUnclaimed(*outcome);
    });
    if (status != napi_ok) CloseUnclaimed(*outcome);
    done.Release();
  }).detach();
  return Napi::Value(env, promise);
}

Napi::Value OpenProgramAsCaller(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    return ThrowTypeError(env, "openProgramAsCaller(options): options must be an object");
  }
  Napi::Object options = info[0].As<Napi::Object>();
  OpenRequest request;
  request.path = options.Get("path").ToString().Utf8Value();
  request.uid = static_cast<uid_t>(options.Get("uid").ToNumber().Uint32Value());
  request.gid = static_cast<gid_t>(options.Get("gid").ToNumber().Uint32Value());
  request.switchIdentity = options.Get("switchIdentity").ToBoolean().Value();
  request.sealIfWritable = options.Get("sealIfWritable").ToBoolean().Value();
  request.maxCopyBytes = static_cast<uint64_t>(options.Get("maxCopyBytes").ToNumber().Int64Value());
  if (request.path.empty() || request.path[0] != '/' || request.path.find('\0') != std::string::npos) {
    return ThrowTypeError(env, "openProgramAsCaller: path must be absolute");
  }
  return OnOwnThread(env, [request]() { return Work(request); });
}

Napi::Value HashDescriptor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return ThrowTypeError(env, "hashDescriptor(fd): fd must be a number");
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  return OnOwnThread(env, [fd]() { return HashWork(fd); });
}

}  // namespace

void InitCallerFile(Napi::Env env, Napi::Object exports) {
  auto life = std::make_shared<Lifetime>();
  env.SetInstanceData<SharedLifetime>(new SharedLifetime(life));
  env.AddCleanupHook([life]() {
    std::lock_guard<std::mutex> lock(life->mutex);
    life->gone = true;
  });
  exports.Set("openProgramAsCaller", Napi::Function::New(env, OpenProgramAsCaller, "openProgramAsCaller"));
  exports.Set("hashDescriptor", Napi::Function::New(env, HashDescriptor, "hashDescriptor"));
}

}  // namespace keeper
