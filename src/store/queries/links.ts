/** Action links: which template an action (`resend`, `reset`) sends, per event. */
export type LinkActionName = "resend" | "reset";

export interface LinkQueries {
  template(eventId: number, action: LinkActionName): Promise<string | undefined>;
  /** The event's links, by action. */
  list(eventId: number): Promise<{ action: LinkActionName; template: string }[]>;
  /** Links `template` to the action, replacing what was linked. */
  set(eventId: number, action: LinkActionName, template: string): Promise<void>;
  remove(eventId: number, action: LinkActionName): Promise<void>;
}
