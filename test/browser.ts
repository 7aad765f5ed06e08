import type { Bindings } from "../src/env";
import { callSettled, ORIGIN } from "./helpers";

/**
 * A minimal browser for page tests: keeps cookies between requests and fills in the CSRF field
 * from the last page it loaded, the way a real form post would. Each request returns once the work
 * it left running has finished, so a test can read the codes and links it sent.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();
  private csrf = "";
  lastHtml = "";

  /**
   * `ip` is the client address the posts come from (per-IP rate limits count it); `bindings`
   * replace some of the Worker's (e.g. provider secrets, so a page sends through msw).
   */
  constructor(
    cookies: Record<string, string> = {},
    private readonly ip = "198.51.100.7",
    private readonly bindings: Partial<Bindings> = {},
  ) {
    for (const [name, value] of Object.entries(cookies)) this.cookies.set(name, value);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private remember(res: Response) {
    for (const header of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const [name = "", ...rest] = pair.split("=");
      const value = rest.join("=");
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
  }

  private headers(extra: Record<string, string> = {}) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    return { ...(cookie ? { Cookie: cookie } : {}), ...extra };
  }

  async get(path: string): Promise<Response> {
    const res = await callSettled(path, { headers: this.headers(), redirect: "manual" }, this.bindings);
    this.remember(res);
    if (res.headers.get("Content-Type")?.startsWith("text/html")) {
      this.lastHtml = await res.clone().text();
      this.csrf = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml)?.[1] ?? this.csrf;
    }
    return res;
  }

  /** Posts a form as the page would; `origin` lets a test pretend to be another site. */
  async post(path: string, fields: Record<string, string>, options: { origin?: string; csrf?: string } = {}) {
    const body = new URLSearchParams({ _csrf: options.csrf ?? this.csrf, ...fields });
    const res = await callSettled(
      path,
      {
        method: "POST",
        headers: this.headers({
          "Content-Type": "application/x-www-form-urlencoded",
          Origin: options.origin ?? ORIGIN,
          "CF-Connecting-IP": this.ip,
        }),
        body: body.toString(),
        redirect: "manual",
      },
      this.bindings,
    );
    this.remember(res);
    if (res.headers.get("Content-Type")?.startsWith("text/html")) {
      this.lastHtml = await res.clone().text();
      this.csrf = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml)?.[1] ?? this.csrf;
    }
    return res;
  }

  /** Follows a redirect the way a browser would after a form post. */
  async follow(res: Response): Promise<Response> {
    const location = res.headers.get("Location");
    if (!location) throw new Error(`expected a redirect, got ${res.status}`);
    return this.get(location);
  }
}
