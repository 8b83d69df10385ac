/**
 * The attendee pages under `/e/`: `GET /e/{slug}` (sign in: email and code) and
 * `POST /e/{slug}/login`, which calls the same `signIn` as the venue's API (source `page`) and
 * hands the token to the event's venue URL as `#token=JWT`; forgot my code (`/forgot`,
 * forgot-page.ts) and change my code (`/code`, change-code-page.ts). HTML that needs no
 * JavaScript, from the event's language's templates; every POST is limited per address, refused
 * cross-site and without the form's CSRF proof.
 */
import { readFileSync } from "node:fs";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { SelfServiceResend } from "../app/self-service-resend.js";
import { signIn, type SignInDeps } from "../app/sign-in.js";
import { findEvent } from "../domain/events.js";
import { lockEndText } from "../render/time.js";
import type { EventRow } from "../store/schema.js";
import { logPathAs } from "./access-log.js";
import { changeCodeRoutes } from "./change-code-page.js";
import type { TemplatesDir } from "../mail/templates-dir.js";
import { forgotRoutes } from "./forgot-page.js";
import { retryAfterSeconds } from "./errors.js";
import {
  contentSecurityPolicy,
  csrfFor,
  emailField,
  formBodies,
  formField,
  isCrossSite,
  MAX_CODE_FIELD,
  PostLimiter,
  securityHeaders,
  validCsrf,
} from "./page-guard.js";
import {
  PAGE_CSS_FILE,
  PageTemplates,
  type RefusalReason,
  type SignInMessage,
} from "./page-templates.js";

export type PagesDeps = SignInDeps & {
  templatesDir: TemplatesDir;
  postsPerMinute: number;
  /** Forgot my code: sends the credentials again, after the answer. */
  selfService: SelfServiceResend;
};

const CSS_PATH = "/e/-/page.css";

interface SlugRoute {
  Params: { slug: string };
  Body: Record<string, string> | undefined;
}

export const attendeePages: FastifyPluginAsync<PagesDeps> = (pages, deps) => {
  const templates = new PageTemplates(deps.templatesDir);
  const limiter = new PostLimiter(deps.postsPerMinute, deps.now);
  formBodies(pages);

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type("text/html; charset=utf-8").send(body);

  const refuse = (
    reply: FastifyReply,
    status: number,
    reason: RefusalReason,
    event?: EventRow,
  ): FastifyReply =>
    html(
      reply,
      status,
      templates.render("refused", event?.locale ?? "en", {
        css: CSS_PATH,
        event: event ? { name: event.name, slug: event.slug } : null,
        status,
        reason,
        back: event ? `/e/${event.slug}` : null,
      }),
    );

  pages.addHook("onRequest", async (request, reply) => {
    securityHeaders(reply);
    if (request.method !== "POST") return undefined;
    if (!limiter.take(request.ip)) {
      void reply.header("retry-after", "60");
      return refuse(reply, 429, "too-many");
    }
    if (isCrossSite(request, deps.issuer())) return refuse(reply, 403, "forbidden");
    return undefined;
  });
  pages.setNotFoundHandler((_request, reply) => refuse(reply, 404, "not-found"));
  pages.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return refuse(reply, status, "bad-request");
    throw error; // the service's own handler logs it and answers 500
  });

  const css = readFileSync(PAGE_CSS_FILE, "utf8");
  pages.get("/-/page.css", (_request, reply) => reply.type("text/css; charset=utf-8").send(css));

  const eventOf = async (
    request: FastifyRequest<SlugRoute>,
    path: string,
  ): Promise<EventRow | undefined> => {
    const event = await findEvent(deps.ws, request.params.slug);
    if (event) logPathAs(request, path.replace(":slug", event.slug));
    return event;
  };

  const signInPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    event: EventRow,
    status: number,
    form: { email: string; message: SignInMessage; lockedUntil?: string },
  ) => {
    const target = venueOrigin(event);
    void reply.header("content-security-policy", contentSecurityPolicy(target ? [target] : []));
    return html(
      reply,
      status,
      templates.render("sign-in", event.locale, {
        css: CSS_PATH,
        event: { name: event.name, slug: event.slug },
        action: `/e/${event.slug}/login`,
        csrf: await csrfFor(deps.ws, request, reply),
        email: form.email,
        message: form.message,
        locked_until: form.lockedUntil ?? null,
      }),
    );
  };

  pages.get<SlugRoute>("/:slug", async (request, reply) => {
    const event = await eventOf(request, "/e/:slug");
    if (!event) return refuse(reply, 404, "not-found");
    return signInPage(request, reply, event, 200, { email: "", message: null });
  });

  pages.post<SlugRoute>("/:slug/login", async (request, reply) => {
    const event = await eventOf(request, "/e/:slug/login");
    if (!event) return refuse(reply, 404, "not-found");
    const body = request.body ?? {};
    if (!(await validCsrf(deps.ws, request, body.csrf)))
      return refuse(reply, 403, "forbidden", event);
    const email = emailField(body);
    const code = formField(body, "code");
    if (code.length > MAX_CODE_FIELD) return refuse(reply, 400, "bad-request", event);
    const result = await signIn(deps, event, { email, code, source: "page" });
    if (result.ok) {
      if (event.venueUrl) {
        const url = new URL(event.venueUrl);
        url.hash = `token=${result.token}`;
        return reply.code(303).header("location", url.href).send();
      }
      return html(
        reply,
        200,
        templates.render("signed-in", event.locale, {
          css: CSS_PATH,
          event: { name: event.name, slug: event.slug },
          full_name: result.attendee.full_name,
        }),
      );
    }
    switch (result.outcome) {
      case "invalid-credentials":
        return signInPage(request, reply, event, 401, { email, message: "invalid" });
      case "invalid-email":
        // Shown again to be corrected, unless it may be the code typed in the wrong field (a
        // code has no @): what is typed there must not come back in a page.
        return signInPage(request, reply, event, 400, {
          email: email.includes("@") ? email : "",
          message: "bad-email",
        });
      case "locked": {
        void reply.header("retry-after", retryAfterSeconds(result.retryAt, deps.now()));
        return signInPage(request, reply, event, 429, {
          email,
          message: "locked",
          lockedUntil: lockEndText(result.retryAt, event.timezone),
        });
      }
    }
  });
  const kit = { ws: deps.ws, templates, css: CSS_PATH, html, refuse, eventOf };
  forgotRoutes(pages, { ...kit, selfService: deps.selfService });
  changeCodeRoutes(pages, { ...kit, changeCode: deps });
  return Promise.resolve();
};

/** The venue URL's origin, which the sign-in form's redirect goes to (CSP `form-action`). */
function venueOrigin(event: EventRow): string | undefined {
  if (!event.venueUrl) return undefined;
  try {
    return new URL(event.venueUrl).origin;
  } catch {
    return undefined;
  }
}
