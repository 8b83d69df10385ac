import * as z from "zod";
import { DEFAULT_MAX_LATE_MS, runDueCampaigns } from "../../app/run-due-campaigns.js";
import { ExitCode } from "../../errors.js";
import { campaignReportLine } from "../../render/campaigns.js";
import { defineCommand, examples } from "../command.js";
import { mailSettings, readyTransport } from "../mail-delivery.js";
import { CampaignRunFlags, campaignRunFlags, parseOptions } from "../options.js";

const Options = z.object(CampaignRunFlags);

export default defineCommand({
  configure(command) {
    campaignRunFlags(command).addHelpText(
      "after",
      examples("evcred campaign run-due", "evcred campaign run-due --max-late 30m --json") +
        "\nFrom cron, every minute:\n  * * * * * cd /path/to/workspace && evcred campaign run-due\n",
    );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    const mail = mailSettings(ctx, options);
    const ws = await ctx.workspace();
    const interrupted = ctx.takeInterrupts();
    const reports = await runDueCampaigns(ws, {
      now: () => ctx.now(),
      templatesDir: ctx.templatesDir,
      mail,
      openTransport: () => readyTransport(ctx, mail),
      maxLateMs: options.maxLate ?? DEFAULT_MAX_LATE_MS,
      actor: ctx.actor,
      signal: interrupted,
    });
    ctx.out.result({ campaigns: reports }, () => "");
    if (reports.length === 0 && !interrupted.aborted) ctx.out.info("no campaign is due");
    for (const r of reports) ctx.out.info(campaignReportLine(r));
    for (const f of reports.flatMap((r) => r.failed)) ctx.out.warn(`${f.email}: ${f.response}`);
    if (interrupted.aborted) {
      ctx.out.warn("interrupted: what was in flight is recorded; the next run-due sends the rest");
      return ExitCode.cancelled;
    }
    if (reports.some((r) => r.outcome === "error")) return ExitCode.failed;
    if (reports.some((r) => r.outcome === "incomplete" || r.failed.length > 0))
      return ExitCode.partial;
    return undefined;
  },
});
