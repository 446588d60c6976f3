// Gives the C heap's free pages back to the system. glibc keeps what V8's parser and compiler freed
// during the agent's start (several MB) as part of the process's resident memory until malloc_trim;
// MALLOC_TRIM_THRESHOLD_ only releases the top of the heap. Other C libraries: nothing to do.
#include "memoryTrim.h"

#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace keeper {
namespace {

/** True when memory was released (glibc's answer), false when none could be or elsewhere than glibc. */
Napi::Value TrimMalloc(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void InitMemoryTrim(Napi::Env env, Napi::Object exports) {
  exports.Set("trimMalloc", Napi::Function::New(env, TrimMalloc, "trimMalloc"));
}

}  // namespace keeper
