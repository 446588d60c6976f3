#pragma once

#include <napi.h>

namespace keeper {

/** Adds connectUnixSocket and shutdownSocket to the addon's exports. */
void InitAgentConnect(Napi::Env env, Napi::Object exports);

}  // namespace keeper
