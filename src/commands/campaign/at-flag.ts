/** `--at WHEN` refusals, worded for the flag: the domain says why, this names where. */
import { CampaignTimeError } from "../../domain/campaign-time.js";
import { UsageError } from "../../errors.js";
import { formatTime } from "../../render/time.js";

/** Runs `fn`; a refused campaign time becomes a usage error naming --at (exit 2). */
export async function withAtFlag<T>(zone: string | null, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof CampaignTimeError)) throw error;
    if (error.reason === "past" && error.wouldHaveRunAt) {
      throw new UsageError(
        `--at: ${error.message}: it would have run at ${formatTime(error.wouldHaveRunAt, { zone })}`,
        { hint: "pick a time still ahead, or send now with: evcred send --template NAME" },
      );
    }
    const hint =
      error.reason === "needs-zone"
        ? "add an offset (2026-05-04T09:00+02:00, or Z for UTC), or give the event a time zone: evcred event update --timezone Europe/Madrid"
        : error.reason === "no-start"
          ? "set one with: evcred event update --starts-at ISO, or give an ISO time"
          : error.hint;
    throw new UsageError(`--at: ${error.message}`, hint ? { hint } : {});
  }
}
