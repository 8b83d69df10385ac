import { writeFileSync } from "node:fs";
import { defineCommand, examples } from "./command.js";

const SAMPLE = `email,first_name,last_name,company,ticket
ada@example.com,Ada,Lovelace,Analytical Engines,speaker
grace@example.com,Grace,Hopper,US Navy,vip
alan@example.com,Alan,Turing,Bletchley Park,attendee
katherine@example.com,Katherine,Johnson,NASA,attendee
linus@example.com,Linus,Torvalds,,attendee
`;

export default defineCommand({
  configure(command) {
    command
      .option("--sample", "also write a sample attendees.csv to try things with")
      .addHelpText(
        "after",
        examples("evcred init", "evcred init --sample", "evcred --db ~/events.db init"),
      );
  },
  async run(ctx, _args, options) {
    const ws = await ctx.workspace({ create: true });
    const vault = await ws.vault();
    let sample: string | null = null;
    if (options.sample === true) {
      sample = ctx.path("attendees.csv");
      try {
        writeFileSync(sample, SAMPLE, { flag: "wx" });
      } catch {
        ctx.out.warn(`${sample} already exists; left it as it is`);
      }
    }
    ctx.out.result({ workspace: ws.path, keyId: vault.keyId, keyFile: vault.keyPath, sample }, () =>
      [
        `workspace   ${ws.path}`,
        `master key  ${vault.keyPath} (id ${vault.keyId})`,
        ...(sample ? [`sample      ${sample}`] : []),
      ].join("\n"),
    );
    ctx.out.info(
      ctx.theme.dim(
        `next: evcred import ${sample ? "attendees.csv" : "FILE.csv"} --event my-event --yes`,
      ),
    );
  },
});
