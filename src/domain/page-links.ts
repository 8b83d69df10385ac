/**
 * The attendee pages of `evcred serve`, as links for the emails (`it.links.*`): sign in, change
 * my code, forgot my code. They exist only where the service's public URL is known (`serve`'s,
 * or EVCRED_PUBLIC_URL for a send from a laptop); without one every link is null, and a
 * template shows its link block only `<% if (it.links.forgot) { %>`.
 */

export interface PageLinks {
  /** `{public}/e/{slug}`: the sign-in page. */
  login: string | null;
  /** `{public}/e/{slug}/code`: change my code. */
  change_code: string | null;
  /** `{public}/e/{slug}/forgot`: get my credentials again. */
  forgot: string | null;
}

export const NO_PAGE_LINKS: PageLinks = { login: null, change_code: null, forgot: null };

/** The event's page links under `publicUrl` (any trailing slashes ignored), or all null. */
export function pageLinks(publicUrl: string | undefined, slug: string): PageLinks {
  const base = publicUrl?.trim().replace(/\/+$/, "");
  if (!base) return NO_PAGE_LINKS;
  const login = `${base}/e/${encodeURIComponent(slug)}`;
  return { login, change_code: `${login}/code`, forgot: `${login}/forgot` };
}
