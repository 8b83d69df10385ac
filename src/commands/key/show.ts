import { statSync } from "node:fs";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText(
      "after",
      examples("evcred key show", "evcred key show --json") +
        "\nShows which key file this workspace uses and the key's id — never the key itself.\n",
    );
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    // The workspace's own check: a key that is not this workspace's is an error, not a listing.
    const vault = await ws.vault();
    const mode = (statSync(vault.keyPath).mode & 0o777).toString(8).padStart(4, "0");
    ctx.out.result({ workspace: ws.path, keyId: vault.keyId, keyFile: vault.keyPath, mode }, () =>
      [
        `workspace   ${ws.path}`,
        `key id      ${vault.keyId}`,
        `key file    ${vault.keyPath} (mode ${mode})`,
      ].join("\n"),
    );
    ctx.out.info(
      ctx.theme.dim(
        "back the key file up apart from the workspace: without it sealed codes cannot be mailed",
      ),
    );
  },
});
