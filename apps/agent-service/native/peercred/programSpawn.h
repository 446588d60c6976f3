#pragma once

#include <napi.h>

namespace keeper {

/** Adds spawnProgram and reapProgram to the addon's exports (Linux only: elsewhere the agent uses Node's spawn). */
void InitProgramSpawn(Napi::Env env, Napi::Object exports);

}  // namespace keeper
