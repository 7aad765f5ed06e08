import { TrieRouter } from "hono/router/trie-router";

interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * The methods a path answers to, for a 405 with `Allow`. Asked only from the app's not-found
 * handler, so a request that matched a route pays nothing for 405 detection (hono's
 * method-not-allowed middleware wraps every request). The lookup table is built from the app's
 * routes on first use, when every route is registered.
 */
export function allowedMethodsOf(app: { routes: readonly RegisteredRoute[] }) {
  let methodsByPattern: TrieRouter<string[]> | undefined;

  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      // Middleware is registered as ALL; HEAD is answered by every GET route.
      if (route.method === "ALL" || route.method === "HEAD") continue;
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      if (route.method === "GET") methods.add("HEAD");
      byPath.set(route.path, methods);
    }
    const router = new TrieRouter<string[]>();
    for (const [path, methods] of byPath) router.add("ALL", path, [...methods]);
    return router;
  };

  return (path: string): string[] => {
    methodsByPattern ??= build();
    const allowed = new Set<string>();
    for (const [methods] of methodsByPattern.match("ALL", path)[0]) {
      for (const method of methods) allowed.add(method);
    }
    return [...allowed];
  };
}
