/**
 * Change my code: `GET /e/{slug}/code` (email, current code, new code twice) and
 * `POST /e/{slug}/code`, which asks the application layer to change it. Registered inside the
 * attendee pages' plugin: their security headers, POST limit, cross-site refusal and form body
 * apply; the form carries their CSRF proof. No answer holds a code typed: the form comes back
 * with the email only, and only when it is an address.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { changeOwnCode, type ChangeOwnCodeDeps } from "../app/change-own-code.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { lockEndText } from "../render/time.js";
import type { EventRow } from "../store/schema.js";
import type { PageKit } from "./forgot-page.js";
import { retryAfterSeconds } from "./errors.js";
import { csrfFor, emailField, formField, MAX_CODE_FIELD, validCsrf } from "./page-guard.js";
import type { ChangeCodeMessage } from "./page-templates.js";

interface SlugRoute {
  Params: { slug: string };
  Body: Record<string, string> | undefined;
}

/** What the attendee pages' plugin lends these routes. */
export type ChangeCodeKit = Omit<PageKit, "selfService"> & { changeCode: ChangeOwnCodeDeps };

/** The status each refusal answers with: the form again, with its message. */
const REFUSAL_STATUS: Record<Exclude<ChangeCodeMessage, null>, number> = {
  invalid: 401,
  locked: 429,
  "bad-email": 400,
  mismatch: 422,
  refused: 422,
  "same-code": 422,
};

export function changeCodeRoutes(pages: FastifyInstance, kit: ChangeCodeKit): void {
  const form = async (
    request: FastifyRequest,
    reply: FastifyReply,
    event: EventRow,
    typed: { email: string; message: ChangeCodeMessage; lockedUntil?: string },
  ) => {
    const email = normalizeEmail(typed.email);
    return kit.html(
      reply,
      typed.message === null ? 200 : REFUSAL_STATUS[typed.message],
      kit.templates.render("change-code", event.locale, {
        css: kit.css,
        event: { name: event.name, slug: event.slug },
        action: `/e/${event.slug}/code`,
        csrf: await csrfFor(kit.ws, request, reply),
        // A code typed into the email field is not an address: never shown back.
        email: isValidEmail(email) ? email : "",
        message: typed.message,
        locked_until: typed.lockedUntil ?? null,
        back: `/e/${event.slug}`,
      }),
    );
  };

  pages.get<SlugRoute>("/:slug/code", async (request, reply) => {
    const event = await kit.eventOf(request, "/e/:slug/code");
    if (!event) return kit.refuse(reply, 404, "not-found");
    return form(request, reply, event, { email: "", message: null });
  });

  pages.post<SlugRoute>("/:slug/code", async (request, reply) => {
    const event = await kit.eventOf(request, "/e/:slug/code");
    if (!event) return kit.refuse(reply, 404, "not-found");
    const body = request.body ?? {};
    if (!(await validCsrf(kit.ws, request, body.csrf)))
      return kit.refuse(reply, 403, "forbidden", event);
    const email = emailField(body);
    const codes = {
      current: formField(body, "current"),
      code: formField(body, "code"),
      repeat: formField(body, "repeat"),
    };
    if (Object.values(codes).some((c) => c.length > MAX_CODE_FIELD)) {
      return kit.refuse(reply, 400, "bad-request", event);
    }
    const result = await changeOwnCode(kit.changeCode, event, { email, ...codes });
    if (result.ok) {
      return kit.html(
        reply,
        200,
        kit.templates.render("code-changed", event.locale, {
          css: kit.css,
          event: { name: event.name, slug: event.slug },
          sign_in: `/e/${event.slug}`,
        }),
      );
    }
    switch (result.outcome) {
      case "invalid-credentials":
        return form(request, reply, event, { email, message: "invalid" });
      case "invalid-email":
        return form(request, reply, event, { email, message: "bad-email" });
      case "mismatch":
      case "refused":
      case "same-code":
        return form(request, reply, event, { email, message: result.outcome });
      case "locked": {
        void reply.header("retry-after", retryAfterSeconds(result.retryAt, kit.changeCode.now()));
        return form(request, reply, event, {
          email,
          message: "locked",
          lockedUntil: lockEndText(result.retryAt, event.timezone),
        });
      }
    }
  });
}
