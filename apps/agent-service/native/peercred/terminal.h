#pragma once

#include <napi.h>

namespace keeper {

/** Adds isTerminal to the addon's exports. */
void InitTerminal(Napi::Env env, Napi::Object exports);

}  // namespace keeper
