import type { Bindings, Config } from "../env";
import type { Principal } from "./auth";
import type { ErrorReporter } from "./reporter";

/** The Hono environment every router and middleware in Dealix is typed with. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    reporter: ErrorReporter;
    locale: "ar" | "en";
    /** Set by requireAccess() on routes that need a credential. */
    principal?: Principal;
    /** Set once pages/session/page-session.ts has looked for a browser session in this request. */
    pageSessionChecked?: boolean;
    /** The page's CSRF token once issued in this request (pages/session/cookies.ts). */
    csrfToken?: string;
  };
}
