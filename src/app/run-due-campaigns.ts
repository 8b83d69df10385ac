/**
 * Runs every campaign that is due: what `evcred campaign run-due` (cron) and `evcred serve`
 * (every minute) both call. No commander, no Context: the workspace, a clock and the mail
 * settings (parsed once by the face) come in; a report of what happened goes out. Each campaign is taken in the
 * store before anything is sent (one runner gets it), its audience resolved then, and its mail
 * sent through the delivery ledger, so a crash leaves a campaign the next run resumes.
 */
import {
  CAMPAIGN_LEASE_MS,
  campaignAudience,
  finishCampaign,
  renewCampaign,
  takeDueCampaign,
} from "../domain/campaigns.js";
import { credentialTemplate, senderFor } from "../mail/deliver.js";
import { ownerId, ownerIsDead } from "../mail/ledger.js";
import { runDeliveries } from "../mail/runner.js";
import { openReadyTransport, type MailSettings } from "../mail/settings.js";
import type { MailTransport } from "../mail/transport.js";
import type { TemplatesDir } from "../mail/templates-dir.js";
import type { Workspace } from "../store/workspace.js";

export interface RunDueOptions {
  now: () => Date;
  /** The workspace's own templates (EVCRED_TEMPLATES, else beside the workspace). */
  templatesDir: TemplatesDir;
  /** Where mail goes, the retries and the SMTP concurrency. */
  mail: MailSettings;
  /**
   * Opens a transport of `mail`, ready to send (connected, authenticated); closed after each
   * campaign. By default as it is: a face with no terminal has no password to ask for.
   */
  openTransport?: (() => Promise<MailTransport>) | undefined;
  /** A campaign due longer ago than this is marked missed and sends nothing. */
  maxLateMs: number;
  /** Who runs it, for the audit log. */
  actor: string;
  /** Aborted to stop: messages in flight finish and are recorded, the campaign is resumable. */
  signal?: AbortSignal | undefined;
  /** Where `evcred serve` is reached: the base of the emails' `it.links.*` (else the settings'). */
  publicUrl?: (() => string | undefined) | undefined;
}

export interface CampaignRunReport {
  id: number;
  event: string;
  template: string;
  when: string;
  dueAt: string;
  outcome: "done" | "missed" | "incomplete" | "error";
  sent: number;
  /** Refused for good by the server (or not renderable): listed, not retried. */
  failed: { email: string; response: string }[];
  /** Why it stopped short, or could not start: it runs again at the next run-due. */
  reason?: string | undefined;
}

export const DEFAULT_MAX_LATE_MS = 6 * 60 * 60 * 1000;

export async function runDueCampaigns(
  ws: Workspace,
  options: RunDueOptions,
): Promise<CampaignRunReport[]> {
  const owner = ownerId();
  const reports: CampaignRunReport[] = [];
  const taken = new Set<number>();
  for (;;) {
    if (options.signal?.aborted) break;
    const next = await takeDueCampaign(ws, {
      now: options.now(),
      maxLateMs: options.maxLateMs,
      owner,
      actor: options.actor,
      isDead: ownerIsDead,
      skip: taken,
    });
    if (!next) break;
    taken.add(next.campaign.id);
    const base = {
      id: next.campaign.id,
      event: next.event.slug,
      template: next.campaign.template,
      when: next.campaign.whenText,
      dueAt: next.dueAt.toISOString(),
    };
    if (next.outcome === "missed") {
      reports.push({ ...base, outcome: "missed", sent: 0, failed: [] });
      continue;
    }
    reports.push({ ...base, ...(await runOne(ws, next, owner, options)) });
  }
  return reports;
}

async function runOne(
  ws: Workspace,
  taken: Extract<Awaited<ReturnType<typeof takeDueCampaign>>, { outcome: "run" }>,
  owner: string,
  options: RunDueOptions,
): Promise<Pick<CampaignRunReport, "outcome" | "sent" | "failed" | "reason">> {
  const { campaign, event } = taken;
  const finish = async (complete: boolean, summary: string) => {
    await finishCampaign(ws, taken, {
      complete,
      owner,
      actor: options.actor,
      at: options.now(),
      summary,
    });
  };
  // The claim on the campaign outlives a slow run (a low rate, long retries).
  const renew = setInterval(() => {
    renewCampaign(ws, campaign.id, owner, options.now()).catch(() => undefined);
  }, CAMPAIGN_LEASE_MS / 4);
  let transport: MailTransport | undefined;
  try {
    const template = credentialTemplate(options.templatesDir, campaign.template, event);
    const recipients = await campaignAudience(ws, event, campaign);
    if (recipients.length === 0) {
      await finish(true, "nobody in its audience is left to mail");
      return { outcome: "done", sent: 0, failed: [] };
    }
    transport = await (options.openTransport ?? (() => openReadyTransport(options.mail)))();
    const summary = await runDeliveries(ws, {
      event,
      template,
      transport,
      from: senderFor(event, transport.kind),
      purpose: "campaign",
      campaignId: campaign.id,
      attendeeIds: recipients.map((a) => a.id),
      onlyDue: false,
      publicUrl: options.publicUrl?.() ?? options.mail.publicUrl,
      retry: options.mail.retry,
      concurrency: transport.kind === "smtp" ? options.mail.smtpConcurrency : 4,
      now: options.now,
      signal: options.signal ?? new AbortController().signal,
    });
    // Skipped: another run's live claim on them (a run on another machine that died keeps its
    // claims until their leases end). Not done yet: the next run-due sends them once it can.
    const complete =
      !summary.interrupted && !summary.stoppedBy && summary.notSent === 0 && summary.skipped === 0;
    const reason =
      summary.stoppedBy ??
      (summary.interrupted
        ? "interrupted; the rest is still due"
        : summary.skipped > 0
          ? `${summary.skipped} being sent by another run`
          : undefined);
    await finish(
      complete,
      `${summary.sent} sent, ${summary.failed.length} failed via ${transport.kind}${reason ? `, stopped: ${reason}` : ""}`,
    );
    return {
      outcome: complete ? "done" : "incomplete",
      sent: summary.sent,
      failed: summary.failed,
      reason,
    };
  } catch (error) {
    // A template gone, no sender, a server that does not answer: the campaign stays due and
    // the next run tries again, until it is too late and is marked missed.
    const reason = error instanceof Error ? error.message : String(error);
    await finish(false, `not sent: ${reason}`);
    return { outcome: "error", sent: 0, failed: [], reason };
  } finally {
    clearInterval(renew);
    transport?.close();
  }
}
