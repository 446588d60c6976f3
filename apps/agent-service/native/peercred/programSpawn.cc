// The elevated program started with posix_spawn. glibc's posix_spawn is a clone(CLONE_VM | CLONE_VFORK): no copy of
// the agent's page tables, which Node's spawn (libuv's fork) pays on every run, in proportion to the agent's size.
// The child gets what libuv would give it: three socketpairs at 0-2 (libuv's 'pipe' stdio is a socketpair), the
// program's descriptor at 3, every signal at its default disposition and none blocked, the working folder and
// environment given; every other descriptor of the agent is close-on-exec. libuv reaps only its own children, so
// the exit is watched here: a thread waits for it without reaping (WNOWAIT), tells JS, and JS reaps (reapProgram),
// so the pid stays the child's, and cannot be signalled by mistake after reuse, until JS knows it exited.
#include "programSpawn.h"
#include "throwErrors.h"

#include <napi.h>

#if defined(__linux__)
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace keeper {

#if defined(__linux__)
namespace {

/**
 * Whether the JS environment still exists: a watcher may see its child exit while the agent is being torn down,
 * and a thread-safe function's memory goes with the environment. Watchers touch theirs only under the mutex,
 * while `gone` is false (the same scheme as callerFile.cc).
 */
struct Lifetime {
  std::mutex mutex;
  bool gone = false;
};

using SharedLifetime = std::shared_ptr<Lifetime>;

Napi::Value ThrowType(Napi::Env env, const std::string& message) {
  return ThrowTypeError(env, "spawnProgram: " + message);
}

/** A string with no NUL in it: a C string cut at a NUL would not be what the caller checked. */
bool ToCString(Napi::Value value, std::string* out) {
  if (!value.IsString()) return false;
  *out = value.As<Napi::String>().Utf8Value();
  return out->find('\0') == std::string::npos;
}

bool ToCStrings(Napi::Value value, std::vector<std::string>* out) {
  if (!value.IsArray()) return false;
  Napi::Array array = value.As<Napi::Array>();
  out->resize(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    if (!ToCString(array.Get(i), &(*out)[i])) return false;
  }
  return true;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(&s[0]);
  pointers.push_back(nullptr);
  return pointers;
}

/**
 * libuv's setuid path in its forked child: setgroups(0, NULL), then setgid and setuid for what is given. The child
 * inherits exactly that here when the agent already has those ids (real and effective) and no supplementary groups.
 */
bool InheritsIdentity(const Napi::Value& uid, const Napi::Value& gid) {
  if (getgroups(0, nullptr) != 0) return false;
  if (uid.IsNumber()) {
    const uid_t wanted = static_cast<uid_t>(uid.As<Napi::Number>().Uint32Value());
    if (getuid() != wanted || geteuid() != wanted) return false;
  }
  if (gid.IsNumber()) {
    const gid_t wanted = static_cast<gid_t>(gid.As<Napi::Number>().Uint32Value());
    if (getgid() != wanted || getegid() != wanted) return false;
  }
  return true;
}

void CloseAll(std::vector<int>& fds) {
  for (int& fd : fds) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

struct Watch {
  pid_t pid;
  Napi::ThreadSafeFunction exited;
  SharedLifetime life;
};

/** Waits for the child's exit, leaving it a zombie (WNOWAIT), then calls JS once and lets the function go. */
void* WatchExit(void* data) {
  std::unique_ptr<Watch> watch(static_cast<Watch*>(data));
  siginfo_t info;
  while (waitid(P_PID, static_cast<id_t>(watch->pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(watch->life->mutex);
  if (watch->life->gone) return nullptr;
  watch->exited.NonBlockingCall();
  watch->exited.Release();
  return nullptr;
}

/**
 * spawnProgram({ file, argv, env, cwd, programFd, uid?, gid? }, onExit):
 *   { pid, stdin, stdout, stderr } (the agent's ends, close-on-exec and blocking: the caller wraps them) once started;
 *   { errno } when posix_spawn failed (exec or chdir in the child; nothing is left running);
 *   null when uid or gid is given and the child would not get exactly it (and no supplementary groups) by
 *   inheritance: the caller then starts it another way.
 * onExit is called once, without arguments, when the child has exited; the caller then reaps it with reapProgram.
 */
Napi::Value SpawnProgram(const Napi::CallbackInfo& info, const SharedLifetime& life) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) return ThrowType(env, "(options, onExit): an object and a function");
  Napi::Object options = info[0].As<Napi::Object>();
  std::string file;
  std::string cwd;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  if (!ToCString(options.Get("file"), &file) || file.empty() || file[0] != '/') return ThrowType(env, "file must be an absolute path without NUL");
  if (!ToCString(options.Get("cwd"), &cwd) || cwd.empty() || cwd[0] != '/') return ThrowType(env, "cwd must be an absolute path without NUL");
  if (!ToCStrings(options.Get("argv"), &argv) || argv.empty()) return ThrowType(env, "argv must be a non-empty array of strings without NUL");
  if (!ToCStrings(options.Get("env"), &envp)) return ThrowType(env, "env must be an array of strings without NUL");
  Napi::Value programFdValue = options.Get("programFd");
  if (!programFdValue.IsNumber()) return ThrowType(env, "programFd must be a descriptor");
  const int programFd = programFdValue.As<Napi::Number>().Int32Value();
  if (programFd < 0) return ThrowType(env, "programFd must be a descriptor");
  Napi::Value uid = options.Get("uid");
  Napi::Value gid = options.Get("gid");
  if ((!uid.IsUndefined() && !uid.IsNumber()) || (!gid.IsUndefined() && !gid.IsNumber())) return ThrowType(env, "uid and gid must be numbers");
  if ((uid.IsNumber() || gid.IsNumber()) && !InheritsIdentity(uid, gid)) return env.Null();

  // ours[i] is the agent's end of the child's descriptor i, theirs[i] the child's.
  std::vector<int> ours(3, -1);
  std::vector<int> theirs(3, -1);
  for (int i = 0; i < 3; i++) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      const int err = errno;
      CloseAll(ours);
      CloseAll(theirs);
      return ThrowErrno(env, "socketpair", err);
    }
    ours[i] = pair[0];
    theirs[i] = pair[1];
  }
  // The dup2s to 0-2 run first; a program descriptor below 4 would be overwritten by them (or be 3 itself, which
  // dup2 leaves close-on-exec): give the child a copy from above.
  int programCopy = -1;
  if (programFd < 4) {
    programCopy = fcntl(programFd, F_DUPFD_CLOEXEC, 4);
    if (programCopy < 0) {
      const int err = errno;
      CloseAll(ours);
      CloseAll(theirs);
      return ThrowErrno(env, "fcntl", err);
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  sigset_t defaults;
  sigset_t mask;
  // Every bit, not sigfillset: glibc's leaves out its two internal signals (32, 33), and its posix_spawn then sets
  // those to SIG_IGN in the child, which exec keeps; libuv's child and sudo's leave them at SIG_DFL.
  std::memset(&defaults, 0xff, sizeof(defaults));
  sigemptyset(&mask);
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  int err = 0;
  for (int i = 0; i < 3 && err == 0; i++) err = posix_spawn_file_actions_adddup2(&actions, theirs[i], i);
  if (err == 0) err = posix_spawn_file_actions_adddup2(&actions, programCopy >= 0 ? programCopy : programFd, 3);
  if (err == 0) err = posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // Node ignores SIGPIPE in the agent, and ignored signals survive exec: the program gets them all at SIG_DFL (glibc
  // skips SIGKILL and SIGSTOP).
  if (err == 0) err = posix_spawnattr_setsigdefault(&attributes, &defaults);
  if (err == 0) err = posix_spawnattr_setsigmask(&attributes, &mask);
  if (err == 0) err = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  bool spawned = false;
  if (err == 0) {
    std::vector<char*> argvPointers = Pointers(argv);
    std::vector<char*> envPointers = Pointers(envp);
    err = posix_spawn(&pid, file.c_str(), &actions, &attributes, argvPointers.data(), envPointers.data());
    if (err == ENOEXEC) {
      // What libuv's execvp does then (glibc's execvpe): an executable without #! or a binary format is run by
      // /bin/sh, as `/bin/sh FILE ARGS…` (argv[0] dropped).
      std::vector<std::string> shell = {"/bin/sh", file};
      shell.insert(shell.end(), argv.begin() + 1, argv.end());
      std::vector<char*> shellPointers = Pointers(shell);
      err = posix_spawn(&pid, "/bin/sh", &actions, &attributes, shellPointers.data(), envPointers.data());
    }
    spawned = err == 0;
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  CloseAll(theirs);
  if (programCopy >= 0) close(programCopy);
  if (!spawned) {
    CloseAll(ours);
    // glibc has reaped a child whose exec failed; the error is the exec's (or chdir's).
    Napi::Object failed = Napi::Object::New(env);
    failed.Set("errno", Napi::Number::New(env, err));
    return failed;
  }

  auto* watch = new Watch{pid, Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "keeper-program-exit", 0, 1), life};
  pthread_t thread;
  pthread_attr_t threadAttributes;
  pthread_attr_init(&threadAttributes);
  pthread_attr_setdetachstate(&threadAttributes, PTHREAD_CREATE_DETACHED);
  // waitid needs little stack; the default (8 MB of address space) per running program is not needed.
  pthread_attr_setstacksize(&threadAttributes, 64 * 1024);
  const int threadErr = pthread_create(&thread, &threadAttributes, WatchExit, watch);
  pthread_attr_destroy(&threadAttributes);
  if (threadErr != 0) {
    // Without a watcher nobody would learn of its exit: the program must not run.
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    watch->exited.Release();
    delete watch;
    CloseAll(ours);
    return ThrowErrno(env, "pthread_create", threadErr);
  }

  Napi::Object started = Napi::Object::New(env);
  started.Set("pid", Napi::Number::New(env, pid));
  started.Set("stdin", Napi::Number::New(env, ours[0]));
  started.Set("stdout", Napi::Number::New(env, ours[1]));
  started.Set("stderr", Napi::Number::New(env, ours[2]));
  return started;
}

/** reapProgram(pid): null while the child runs, else { code } or { signal } (a number); throws (ECHILD…) otherwise. */
Napi::Value ReapProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return ThrowTypeError(env, "reapProgram(pid): pid must be a number");
  }
  const pid_t pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) {
    return ThrowTypeError(env, "reapProgram(pid): pid must be positive");
  }
  int status = 0;
  pid_t reaped;
  while ((reaped = waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (reaped < 0) return ThrowErrno(env, "waitpid", errno);
  if (reaped == 0) return env.Null();
  Napi::Object result = Napi::Object::New(env);
  if (WIFSIGNALED(status)) {
    result.Set("signal", Napi::Number::New(env, WTERMSIG(status)));
  } else {
    result.Set("code", Napi::Number::New(env, WEXITSTATUS(status)));
  }
  return result;
}

}  // namespace

void InitProgramSpawn(Napi::Env env, Napi::Object exports) {
  auto life = std::make_shared<Lifetime>();
  env.AddCleanupHook([life]() {
    std::lock_guard<std::mutex> lock(life->mutex);
    life->gone = true;
  });
  exports.Set("spawnProgram", Napi::Function::New(env, [life](const Napi::CallbackInfo& info) { return SpawnProgram(info, life); }, "spawnProgram"));
  exports.Set("reapProgram", Napi::Function::New(env, ReapProgram, "reapProgram"));
}

#else

void InitProgramSpawn(Napi::Env, Napi::Object) {}

#endif

}  // namespace keeper
