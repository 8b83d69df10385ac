import * as z from "zod";
import type { Context } from "../context.js";
import { listEvents, resolveEvent } from "../domain/events.js";
import { eventStats, recentLogins, type EventStats } from "../domain/stats.js";
import type { EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { barChart } from "../render/bar-chart.js";
import { minuteChart } from "../render/minute-chart.js";
import { formatTime } from "../render/time.js";
import { defineCommand, examples } from "./command.js";
import { parseOptions } from "./options.js";

const Options = z.object({
  allEvents: z.boolean().default(false),
  watch: z.boolean().default(false),
});

/** How often `--watch` reads the figures again and redraws them. */
export const WATCH_INTERVAL_MS = 2000;

export default defineCommand({
  configure(command) {
    command
      .option("--all-events", "every event of the workspace, one after the other")
      .option(
        "--watch",
        "on a terminal: redraw every 2 s, with logins per minute for the last hour; Ctrl-C ends it (elsewhere: printed once)",
      )
      .addHelpText(
        "after",
        examples(
          "evcred stats",
          "evcred stats --event summit-2026 --json",
          "evcred stats --all-events",
          "evcred stats --watch",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const events = options.allEvents
      ? await listEvents(ws)
      : [await resolveEvent(ws, ctx.options.event)];
    // Where it cannot redraw (a pipe, a file, --json), a watch is one look: printed once.
    if (options.watch && ctx.io.stdoutIsTTY && !ctx.options.json) return watch(ctx, ws, events);
    const stats: EventStats[] = [];
    for (const e of events) stats.push(await eventStats(ws, e));
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

/**
 * Draws the figures and the last hour's logins, then again every 2 s from the top of the same
 * block, until Ctrl-C (or SIGTERM): that is how a watch ends, so it exits 0 with the cursor shown.
 */
async function watch(ctx: Context, ws: Workspace, events: readonly EventRow[]): Promise<void> {
  const stop = ctx.takeInterrupts();
  const write = (text: string) => ctx.io.stdout.write(text);
  write("\x1b[?25l");
  try {
    while (!stop.aborted) {
      write(`\x1b[H\x1b[J${await watchFrame(ctx, ws, events)}\n`);
      await pause(WATCH_INTERVAL_MS, stop);
    }
  } finally {
    write("\x1b[?25h\n");
  }
}

async function watchFrame(
  ctx: Context,
  ws: Workspace,
  events: readonly EventRow[],
): Promise<string> {
  const now = ctx.now();
  // A pty without a size says 0 columns.
  const width = ctx.io.stdoutColumns || 80;
  const zone = events.length === 1 ? events[0]?.timezone : undefined;
  const header = ctx.theme.dim(
    `updated ${formatTime(now, { zone, style: "time" })} · every ${WATCH_INTERVAL_MS / 1000} s · Ctrl-C to stop`,
  );
  const blocks: string[] = [];
  for (const event of events) {
    const s = await eventStats(ws, event);
    const lastLogin = s.lastLogin && formatTime(s.lastLogin, { zone: event.timezone });
    const chart = minuteChart(await recentLogins(ws, event, now), {
      width,
      zone: event.timezone,
      theme: ctx.theme,
    });
    blocks.push(`${funnel(ctx, s, lastLogin)}\n\n${chart}`);
  }
  return [header, ...(blocks.length ? blocks : ["no events yet"])].join("\n\n");
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function bySource(s: EventStats): string {
  const { api, page, cli } = s.loggedInBySource;
  return `api ${api}, page ${page}, cli ${cli}`;
}

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
    ["by source", bySource(s)],
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
    ctx.theme.dim(`logins by source: ${bySource(s)}`),
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
