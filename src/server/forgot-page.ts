/**
 * Forgot my code: `GET /e/{slug}/forgot` (an email field) and `POST /e/{slug}/forgot`, which asks
 * the application layer to send the attendee's credentials again and always gives the same
 * answer. Registered inside the attendee pages' plugin: their security headers, POST limit,
 * cross-site refusal and form body apply; the form carries their CSRF proof.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { selfServiceEnabled, type SelfServiceResend } from "../app/self-service-resend.js";
import type { EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { csrfFor, emailField, validCsrf } from "./page-guard.js";
import type { ForgotState, PageTemplates, RefusalReason } from "./page-templates.js";

interface SlugRoute {
  Params: { slug: string };
  Body: Record<string, string> | undefined;
}

/** What the attendee pages' plugin lends these routes. */
export interface PageKit {
  ws: Workspace;
  selfService: SelfServiceResend;
  templates: PageTemplates;
  css: string;
  html: (reply: FastifyReply, status: number, body: string) => FastifyReply;
  refuse: (
    reply: FastifyReply,
    status: number,
    reason: RefusalReason,
    event?: EventRow,
  ) => FastifyReply;
  eventOf: (request: FastifyRequest<SlugRoute>, path: string) => Promise<EventRow | undefined>;
}

export function forgotRoutes(pages: FastifyInstance, kit: PageKit): void {
  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    event: EventRow,
    status: number,
    form: { state: ForgotState; email: string; message: "bad-email" | null },
  ) =>
    kit.html(
      reply,
      status,
      kit.templates.render("forgot", event.locale, {
        css: kit.css,
        event: { name: event.name, slug: event.slug },
        action: `/e/${event.slug}/forgot`,
        csrf: form.state === "form" ? await csrfFor(kit.ws, request, reply) : "",
        back: `/e/${event.slug}`,
        ...form,
      }),
    );

  pages.get<SlugRoute>("/:slug/forgot", async (request, reply) => {
    const event = await kit.eventOf(request, "/e/:slug/forgot");
    if (!event) return kit.refuse(reply, 404, "not-found");
    const state = (await selfServiceEnabled(kit.ws, event)) ? "form" : "not-enabled";
    return page(request, reply, event, 200, { state, email: "", message: null });
  });

  pages.post<SlugRoute>("/:slug/forgot", async (request, reply) => {
    const event = await kit.eventOf(request, "/e/:slug/forgot");
    if (!event) return kit.refuse(reply, 404, "not-found");
    const body = request.body ?? {};
    if (!(await validCsrf(kit.ws, request, body.csrf)))
      return kit.refuse(reply, 403, "forbidden", event);
    const email = emailField(body);
    const result = await kit.selfService.request(event, { email });
    switch (result.outcome) {
      case "invalid-email":
        return page(request, reply, event, 400, { state: "form", email, message: "bad-email" });
      case "not-enabled":
        return page(request, reply, event, 200, { state: "not-enabled", email: "", message: null });
      case "on-its-way":
        // The address is not shown again: the answer is the same for every one.
        return page(request, reply, event, 200, { state: "on-its-way", email: "", message: null });
    }
  });
}
