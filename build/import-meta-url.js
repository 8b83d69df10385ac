// Injected into the CommonJS program bundle (see build.config.js): the `import.meta` an ES module
// has, whose `url` src/package-root.ts uses to find the package's files. Computed when read:
// `evcred --help` reads no file of the package, and the URL is start-up time.
export const importMeta = {
  get url() {
    return require("node:url").pathToFileURL(__filename).href;
  },
};
