// Preloaded with `node --require` by a test: when the process exits, writes to the file named
// by LOADED_MODULES_OUT which files it required and whether Node's ES-module loader started.
"use strict";
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  writeFileSync(
    process.env.LOADED_MODULES_OUT,
    JSON.stringify({
      files: Object.keys(require.cache),
      esmLoader: process.moduleLoadList.includes("NativeModule internal/modules/esm/loader"),
    }),
  );
});
