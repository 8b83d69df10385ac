/**
 * Campaigns as the store keeps them. A run takes one (`scheduled` → `running`, leased to its
 * process) inside a transaction that first holds every other take (`holdTakes`), so of two
 * runners looking at once, on any machines, one gets it.
 */
import type { AttendeeRow, CampaignRow, EventRow } from "../schema.js";

export type CampaignValues = Omit<CampaignRow, "id">;
export type CampaignAudienceName = CampaignRow["audience"];

export interface CampaignQueries {
  insert(
    values: Pick<
      CampaignValues,
      "eventId" | "template" | "audience" | "whenText" | "fixedAt" | "status" | "createdAt"
    >,
  ): Promise<CampaignRow>;
  /** The event's campaigns, oldest first. */
  list(eventId: number): Promise<CampaignRow[]>;
  byId(id: number): Promise<{ campaign: CampaignRow; event: EventRow } | undefined>;
  update(id: number, changes: Partial<CampaignValues>): Promise<CampaignRow>;
  /** Inside a transaction: no other transaction takes a campaign until this one ends. */
  holdTakes(): Promise<void>;
  /** Scheduled and running campaigns with their events, oldest first. */
  open(): Promise<{ campaign: CampaignRow; event: EventRow }[]>;
  /** Extends `owner`'s lease on a running campaign; false if it no longer holds it. */
  renew(id: number, owner: string, until: string): Promise<boolean>;
  /** Ends `owner`'s run of the campaign (nothing if another run holds it now). */
  finish(
    id: number,
    owner: string,
    changes: Pick<CampaignValues, "status" | "finishedAt">,
  ): Promise<void>;
  /** The summary of the campaign's latest `campaign.run` audit entry. */
  lastRunSummary(id: number): Promise<string | undefined>;
  /**
   * Who the campaign mails now, by id: the event's attendees in `audience` it has not sent to,
   * nor failed for good (a claim its crashed sender left behind does not count).
   */
  audience(eventId: number, id: number, audience: CampaignAudienceName): Promise<AttendeeRow[]>;
  /** Its attendees by the status of their latest delivery in it. */
  counts(id: number): Promise<{ status: "pending" | "sent" | "failed"; n: number }[]>;
}
