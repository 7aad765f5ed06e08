import type { Bindings, Config } from "../env";
import type { ErrorReporter } from "./reporter";

/** The Hono environment every router and middleware in Dealix is typed with. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    reporter: ErrorReporter;
    locale: "ar" | "en";
  };
}
