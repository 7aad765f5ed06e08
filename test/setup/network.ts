import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

/**
 * Every outbound request in a test must be answered by a handler the test registers with
 * `network.use(...)`; anything else fails the test, so no test can reach the real network.
 */
export const network = setupServer();

beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterEach(() => network.resetHandlers());
afterAll(() => network.close());
