// Injected into the CommonJS program bundle (see build.config.js): the value `import.meta.url`
// has in an ES module, which src/package-root.ts uses to find the package's files.
export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;
