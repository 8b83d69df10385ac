/**
 * A request body as text, for the JSON of the API and the forms of the pages alike: UTF-8 or
 * nothing. A body in another charset is refused (415) rather than read as UTF-8, and bytes that
 * are not UTF-8 are refused (400) rather than replaced: a code with U+FFFD in it would otherwise
 * be checked, fail and count toward the attendee's lockout, and an email field a proxy read one
 * way would reach the service another way.
 */

export type BodyText =
  { ok: true; text: string } | { ok: false; status: 400 | 415; message: string };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function bodyText(contentType: string | undefined, body: Buffer): BodyText {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? "")?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return { ok: false, status: 415, message: "body: not UTF-8" };
  }
  try {
    return { ok: true, text: utf8.decode(body) };
  } catch {
    return { ok: false, status: 400, message: "body: not valid UTF-8" };
  }
}

/** Marks the errors whose message may be answered as it is: they name the field, never a value. */
export const BODY_ERROR = "EVCRED_BAD_BODY";

/** An error for a content-type parser's `done`, answered by the error handlers with its message. */
export function bodyError(status: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: status, code: BODY_ERROR });
}
