/**
 * Logins per minute as columns of unicode blocks, for `stats --watch`: one column a minute, or
 * neighbouring minutes added up into one column when the terminal is too narrow for them all.
 */
import type { MinuteBuckets } from "../domain/login-rate.js";
import type { Theme } from "./theme.js";
import { formatTime } from "./time.js";

const EIGHTHS = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** Adds up neighbouring counts so that at most `maxBars` remain, each of `perBar` of them. */
export function groupCounts(
  counts: readonly number[],
  maxBars: number,
): { perBar: number; bars: number[] } {
  const perBar = Math.max(1, Math.ceil(counts.length / Math.max(1, maxBars)));
  const bars: number[] = [];
  for (let i = 0; i < counts.length; i += perBar) {
    bars.push(counts.slice(i, i + perBar).reduce((a, b) => a + b, 0));
  }
  return { perBar, bars };
}

/** `height` lines of columns, top first, every column scaled to the largest to an eighth. */
export function columns(values: readonly number[], height: number): string[] {
  const max = Math.max(0, ...values);
  const eighths = values.map((v) =>
    max > 0 && v > 0 ? Math.max(1, Math.round((v / max) * height * 8)) : 0,
  );
  return Array.from({ length: height }, (_, row) => {
    const floor = (height - 1 - row) * 8;
    return eighths.map((e) => EIGHTHS[Math.min(8, Math.max(0, e - floor))] ?? " ").join("");
  });
}

export interface MinuteChartOptions {
  /** The terminal's width: the chart, its axis included, fits in it. */
  width: number;
  /** The event's zone, for the time shown. */
  zone: string | null | undefined;
  theme: Theme;
  height?: number;
}

/** A title naming the span and its peak, the columns with a count axis, and a base line. */
export function minuteChart(buckets: MinuteBuckets, options: MinuteChartOptions): string {
  const height = options.height ?? 6;
  const total = buckets.counts.reduce((a, b) => a + b, 0);
  // No column holds more than the total: its digits are the widest the axis can be.
  const { perBar, bars } = groupCounts(buckets.counts, options.width - String(total).length - 2);
  const peak = Math.max(0, ...bars);
  const digits = String(peak).length;
  const unit = perBar === 1 ? "minute" : `${perBar} minutes`;
  const since = formatTime(buckets.start, { zone: options.zone, style: "time" });
  const rows = columns(bars, height).map((line, i) => {
    const label = i === 0 ? String(peak) : "";
    return `${label.padStart(digits)} ${options.theme.dim("│")}${options.theme.chalk.green(line)}`;
  });
  return [
    `logins per ${unit} since ${since}: peak ${peak}, ${total} in all`,
    ...rows,
    `${"0".padStart(digits)} ${options.theme.dim(`└${"─".repeat(bars.length)}`)}`,
  ].join("\n");
}
