// isatty(3) for the CLIs: node:tty answers the same, but loading it loads node:net and the streams,
// which a one-shot CLI otherwise never needs.
#include "terminal.h"
#include "throwErrors.h"

#include <napi.h>

#include <unistd.h>

namespace keeper {
namespace {

Napi::Value IsTerminal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    return ThrowTypeError(env, "isTerminal(fd): fd must be a number");
  }
  return Napi::Boolean::New(env, isatty(info[0].As<Napi::Number>().Int32Value()) == 1);
}

}  // namespace

void InitTerminal(Napi::Env env, Napi::Object exports) {
  exports.Set("isTerminal", Napi::Function::New(env, IsTerminal, "isTerminal"));
}

}  // namespace keeper
