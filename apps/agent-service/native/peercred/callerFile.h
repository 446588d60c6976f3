#pragma once

#include <napi.h>

namespace keeper {

/** Adds openProgramAsCaller and hashDescriptor to the addon's exports. */
void InitCallerFile(Napi::Env env, Napi::Object exports);

}  // namespace keeper
