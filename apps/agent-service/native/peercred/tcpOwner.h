#pragma once

#include <napi.h>

namespace keeper {

/** Adds tcpSocketOwner to the addon's exports. */
void InitTcpOwner(Napi::Env env, Napi::Object exports);

}  // namespace keeper
