{
  "targets": [
    {
      "target_name": "peercred",
      "conditions": [
        # Windows identifies pipe clients differently; an empty target keeps `node-gyp rebuild` harmless there.
        ["OS=='win'", { "type": "none" }, { "sources": ["peercred.cc", "callerFile.cc", "tcpOwner.cc", "memoryTrim.cc", "agentConnect.cc", "terminal.cc", "programSpawn.cc"] }]
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "MACOSX_DEPLOYMENT_TARGET": "11.0" }
    }
  ]
}
