/**
 * What a command hands the delivery runner: the mail settings parsed once from its environment
 * (a bad one is exit 2 before anything changes), a transport that asks for a missing SMTP
 * password at a hidden prompt when it can, a progress bar on a terminal, and Ctrl-C.
 */
import type { Context } from "../context.js";
import { MissingAnswerError } from "../errors.js";
import type { DeliveryDeps } from "../mail/deliver.js";
import { openReadyTransport, parseMailSettings, type MailSettings } from "../mail/settings.js";
import type { MailTransport } from "../mail/transport.js";
import { startProgress } from "../render/progress.js";

export function mailSettings(ctx: Context, options: { insecureSmtp: boolean }): MailSettings {
  return parseMailSettings(ctx.env, (p) => ctx.path(p), options);
}

export function deliveryDeps(ctx: Context, settings: MailSettings): DeliveryDeps {
  return {
    settings,
    openTransport: () => readyTransport(ctx, settings),
    actor: ctx.actor,
    now: () => ctx.now(),
    interrupts: () => ctx.takeInterrupts(),
    progress: (options) => startProgress(ctx, "sending", options),
  };
}

/** The transport of `settings`, proven to answer; the SMTP password asked for if it is missing. */
export async function readyTransport(ctx: Context, settings: MailSettings): Promise<MailTransport> {
  return openReadyTransport(settings, await smtpPassword(ctx, settings));
}

/** The password an SMTP URL with a user and none needs, at a hidden prompt. */
export async function smtpPassword(
  ctx: Context,
  settings: MailSettings,
): Promise<string | undefined> {
  const asked = settings.needsPassword;
  if (!asked) return undefined;
  if (!ctx.canPrompt()) {
    throw new MissingAnswerError(
      `SMTP password for ${asked.user}`,
      "the password inside EVCRED_SMTP_URL",
    );
  }
  return ctx.prompter.password(`SMTP password for ${asked.user}@${asked.host}`);
}
