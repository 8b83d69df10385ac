import { rotateMasterKey } from "../../domain/key-rotation.js";
import { confirmAction } from "../../render/questions.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText(
      "after",
      examples("evcred key rotate", "evcred key rotate --yes --json") +
        "\nEvery sealed code and fingerprint moves under a new key in one transaction; codes do not\n" +
        "change and attendees notice nothing. The previous key is kept as KEY.old-<id> (mode 0600)\n" +
        "for other workspaces that share the key file and for older backups: delete it once none\n" +
        "needs it. A crash at any point leaves the workspace usable with one of the two keys.\n",
    );
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    const current = await ws.vault();
    await confirmAction(ctx, `re-seal every code of ${ws.path} under a new master key`, {
      consequence: `The current key (id ${current.keyId}) is kept as a backup file; other workspaces using ${current.keyPath} will need it.`,
      refused: "the key was not rotated",
    });
    const result = await rotateMasterKey(ws, {
      who: { actor: ctx.actor, at: ctx.now().toISOString() },
    });
    ctx.out.result({ workspace: ws.path, ...result }, () => "");
    ctx.out.success(
      `${result.codes} codes in ${result.events} event${result.events === 1 ? "" : "s"} re-sealed under key ${result.keyId} (was ${result.previousKeyId})`,
    );
    if (!result.scrubbed)
      ctx.out.warn(
        "another process kept the workspace busy: copies of the old seals may remain in its free pages or -wal file until it is compacted (VACUUM)",
      );
    ctx.out.info(`key file         ${result.keyFile}`);
    ctx.out.info(`previous key     ${result.previousKeyFile} (0600)`);
    ctx.out.info(
      ctx.theme.dim(
        "back up the new key now; delete the previous one once no other workspace or backup needs it",
      ),
    );
  },
});
