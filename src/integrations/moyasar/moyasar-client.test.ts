import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { network } from "../../../test/setup/network";
import { type Config, loadConfig } from "../../env";
import { CircuitOpenError, resetBreaker } from "../../platform/circuit-breaker";
import {
  createInvoice,
  fetchPayment,
  MoyasarRefusedError,
  MoyasarUnavailableError,
  moyasarEndpoint,
} from "./moyasar-client";

const LIVE = "https://api.moyasar.test/v1";
const config: Config = {
  ...loadConfig(env),
  MOYASAR_SECRET_KEY: "sk_test_clientkey0001",
  MOYASAR_API_BASE: LIVE,
};
const deps = { config, breakers: env.CIRCUIT_BREAKER };

afterEach(() => resetBreaker(env.CIRCUIT_BREAKER, "moyasar"));

const invoice = {
  amount: 286_350,
  description: "Dealix Growth (monthly)",
  callbackUrl: "https://dealix.test/webhooks/moyasar",
  successUrl: "https://dealix.test/billing/return?checkout=chk_1",
  backUrl: "https://dealix.test/billing",
  metadata: { tenantId: "ten_1", checkoutId: "chk_1" },
};

describe("the Moyasar client", () => {
  it("creates an invoice with Basic auth (secret key, empty password), in SAR, with our metadata", async () => {
    let seen: { authorization: string | null; body: unknown } | null = null;
    network.use(
      http.post(`${LIVE}/invoices`, async ({ request }) => {
        seen = { authorization: request.headers.get("Authorization"), body: await request.json() };
        return HttpResponse.json(
          {
            id: "inv-1",
            status: "initiated",
            amount: 286_350,
            currency: "SAR",
            url: "https://checkout.moyasar.com/invoices/inv-1",
            metadata: {},
          },
          { status: 201 },
        );
      }),
    );
    const created = await createInvoice(deps, invoice);
    expect(created).toMatchObject({ id: "inv-1", url: "https://checkout.moyasar.com/invoices/inv-1" });
    expect(seen).toEqual({
      authorization: `Basic ${btoa("sk_test_clientkey0001:")}`,
      body: {
        amount: 286_350,
        currency: "SAR",
        description: "Dealix Growth (monthly)",
        callback_url: invoice.callbackUrl,
        success_url: invoice.successUrl,
        back_url: invoice.backUrl,
        metadata: invoice.metadata,
      },
    });
  });

  it("throws a refusal for a 4xx without counting it against the breaker", async () => {
    network.use(
      http.get(`${LIVE}/payments/:id`, () =>
        HttpResponse.json(
          { type: "authentication_error", message: "Invalid authorization credentials" },
          { status: 401 },
        ),
      ),
    );
    for (let attempt = 0; attempt < 4; attempt++) {
      await expect(fetchPayment(deps, "pay-1")).rejects.toBeInstanceOf(MoyasarRefusedError);
    }
  });

  it("opens the moyasar breaker after repeated 5xx, then fails fast", async () => {
    let calls = 0;
    network.use(
      http.get(`${LIVE}/payments/:id`, () => {
        calls += 1;
        return HttpResponse.json({ type: "api_error" }, { status: 503 });
      }),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(fetchPayment(deps, "pay-1")).rejects.toBeInstanceOf(MoyasarUnavailableError);
    }
    await expect(fetchPayment(deps, "pay-1")).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(3);
  });

  it("uses the local simulator without a secret key, only where dev tools run", () => {
    const dev = loadConfig(env);
    expect(moyasarEndpoint({ ...dev, MOYASAR_SECRET_KEY: undefined, MOYASAR_API_BASE: undefined })).toEqual({
      base: `${dev.APP_ORIGIN}/dev/moyasar/v1`,
      secretKey: "sk_test_dev_simulator",
    });
    expect(() =>
      moyasarEndpoint({ ...dev, ENVIRONMENT: "production", MOYASAR_SECRET_KEY: undefined }),
    ).toThrow(/MOYASAR_SECRET_KEY/);
    expect(
      moyasarEndpoint({ ...dev, MOYASAR_SECRET_KEY: "sk_live_abcdefgh1", MOYASAR_API_BASE: undefined }),
    ).toEqual({
      base: "https://api.moyasar.com/v1",
      secretKey: "sk_live_abcdefgh1",
    });
  });
});
