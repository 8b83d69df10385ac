import { z } from "zod";
import type { Context } from "../context.js";
import { listEvents, resolveEvent } from "../domain/events.js";
import { eventStats, type EventStats } from "../domain/stats.js";
import { barChart } from "../render/bar-chart.js";
import { formatTime } from "../render/time.js";
import { defineCommand, examples } from "./command.js";
import { parseOptions } from "./options.js";

const Options = z.object({ allEvents: z.boolean().default(false) });

export default defineCommand({
  configure(command) {
    command
      .option("--all-events", "every event of the workspace, one after the other")
      .addHelpText(
        "after",
        examples(
          "evcred stats",
          "evcred stats --event summit-2026 --json",
          "evcred stats --all-events",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const events = options.allEvents ? listEvents(ws) : [resolveEvent(ws, ctx.options.event)];
    const stats = events.map((e) => eventStats(ws, e));
    const chart = ctx.io.stdoutIsTTY && !ctx.options.json;
    const human = () =>
      stats
        .map((s, i) => {
          const lastLogin = s.lastLogin && formatTime(s.lastLogin, { zone: events[i]?.timezone });
          return chart ? funnel(ctx, s, lastLogin) : plain(s, lastLogin);
        })
        .join("\n\n");
    ctx.out.result(options.allEvents ? { events: stats } : stats[0], human);
    if (options.allEvents && stats.length === 0) ctx.out.info("no events yet");
  },
});

function percent(part: number, whole: number): string {
  return whole ? `${Math.round((part / whole) * 100)}%` : "-";
}

function plain(s: EventStats, lastLogin: string | null): string {
  const lines: [string, string][] = [
    ["event", `${s.event} (${s.name})`],
    ["attendees", String(s.attendees)],
    ["sent", `${s.codes.sent} (${percent(s.codes.sent, s.attendees)})`],
    ["failed", String(s.codes.failed)],
    ["pending", String(s.codes.pending)],
    ["never sent", String(s.codes.neverSent)],
    ["logged in", `${s.loggedIn} (${percent(s.loggedIn, s.attendees)})`],
    ["last login", lastLogin ?? "-"],
    ["attempts", `${s.attempts.ok} ok, ${s.attempts.failed} failed`],
  ];
  return [
    ...lines.map(([k, v]) => `${k.padEnd(12)} ${v}`),
    ...templateLines(s),
    ...campaignLines(s),
  ].join("\n");
}

/**
 * The bars' width: 30 cells, fewer on a terminal too narrow for them beside their label
 * ("registered"), count and percentage, so that no line wraps.
 */
function barWidth(columns: number | undefined, attendees: number): number {
  if (!columns) return 30;
  const beside = "registered".length + 2 + 2 + String(attendees).length + 2 + "100%".length;
  return Math.max(5, Math.min(30, columns - beside - 1));
}

function funnel(ctx: Context, s: EventStats, lastLogin: string | null): string {
  const { chalk } = ctx.theme;
  const chart = barChart(
    [
      { label: "registered", value: s.attendees, colour: chalk.blue },
      {
        label: "sent",
        value: s.codes.sent,
        note: percent(s.codes.sent, s.attendees),
        colour: chalk.cyan,
      },
      {
        label: "logged in",
        value: s.loggedIn,
        note: percent(s.loggedIn, s.attendees),
        colour: chalk.green,
      },
    ],
    ctx.theme,
    barWidth(ctx.io.stdoutColumns, s.attendees),
  );
  const unsent = [
    s.codes.failed ? ctx.theme.error(`${s.codes.failed} failed`) : "",
    s.codes.pending ? ctx.theme.warn(`${s.codes.pending} pending`) : "",
    s.codes.neverSent ? `${s.codes.neverSent} never sent` : "",
  ].filter(Boolean);
  return [
    `${ctx.theme.bold(s.name)} ${ctx.theme.dim(`(${s.event})`)}`,
    chart,
    ...(unsent.length ? [ctx.theme.dim("not sent: ") + unsent.join(", ")] : []),
    ctx.theme.dim(
      `last login ${lastLogin ?? "-"} · ${s.attempts.ok} ok, ${s.attempts.failed} failed attempts`,
    ),
    ...templateLines(s),
    ...campaignLines(s),
  ].join("\n");
}

function templateLines(s: EventStats): string[] {
  if (s.templates.length === 0) return [];
  const width = Math.max(...s.templates.map((t) => t.template.length));
  return [
    "templates",
    ...s.templates.map(
      (t) =>
        `  ${t.template.padEnd(width)}  ${t.sent} sent, ${t.failed} failed, ${t.pending} pending`,
    ),
  ];
}

function campaignLines(s: EventStats): string[] {
  if (s.campaigns.length === 0) return [];
  const names = s.campaigns.map((c) => `${c.id} ${c.template} at ${c.when}`);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "campaigns",
    ...s.campaigns.map(
      (c, i) =>
        `  ${(names[i] ?? "").padEnd(width)}  ${c.status}: ${c.sent} sent, ${c.failed} failed, ${c.pending} pending`,
    ),
  ];
}
