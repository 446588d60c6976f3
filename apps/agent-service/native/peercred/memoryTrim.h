#pragma once

#include <napi.h>

namespace keeper {

/** Adds trimMalloc to the addon's exports. */
void InitMemoryTrim(Napi::Env env, Napi::Object exports);

}  // namespace keeper
