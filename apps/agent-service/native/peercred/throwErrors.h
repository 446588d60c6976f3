#pragma once

#include <napi.h>

#include <cstring>
#include <string>

namespace keeper {

/** Throws `<call>: <strerror>` as an Error with `errno` and `syscall`, as the addon's callers read them; returns undefined. */
inline Napi::Value ThrowErrno(Napi::Env env, const char* call, int err) {
  Napi::Error error = Napi::Error::New(env, std::string(call) + ": " + std::strerror(err));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, call));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

/** Throws a TypeError for arguments a function does not take (`message` names the function); returns undefined. */
inline Napi::Value ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace keeper
