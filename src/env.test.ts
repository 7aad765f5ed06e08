import { describe, expect, it, vi } from "vitest";
import { callWithEnv, expectProblem } from "../test/helpers";
import { type Bindings, ConfigError, devToolsEnabled, loadConfig } from "./env";

const base = {
  ENVIRONMENT: "development",
  JWT_SECRET: "j".repeat(40),
  PASSWORD_PEPPER: "p".repeat(40),
} as Bindings;

// The secrets production needs besides SENTRY_DSN, which these tests leave out on purpose.
const deployedSecrets = {
  DATA_ENCRYPTION_KEY: "d".repeat(43),
  PLATFORM_WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
  PLATFORM_WHATSAPP_ACCESS_TOKEN: "platform-token",
  RESEND_API_KEY: "re_key",
  EMAIL_FROM: "Dealix <no-reply@mail.dealix.sa>",
  ZATCA_SELLER_NAME_AR: "ديلكس لتقنية المعلومات",
  ZATCA_SELLER_NAME_EN: "Dealix Information Technology",
  ZATCA_SELLER_VAT_NUMBER: "310122393500003",
  ZATCA_SELLER_ADDRESS: "King Fahd Road, Riyadh 12345",
  MOYASAR_SECRET_KEY: "sk_live_0123456789abcdef",
  MOYASAR_WEBHOOK_SECRET: "moyasar-webhook-secret-0123456789",
};

describe("configuration", () => {
  it("applies defaults and names the release after the package version", () => {
    const config = loadConfig({ ...base });
    expect(config.MAX_JSON_BODY_BYTES).toBe(102_400);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config.release).toMatch(/^dealix@\d+\.\d+\.\d+/);
    expect(loadConfig({ ...base, APP_VERSION: "abc1234" }).release).toBe("abc1234");
  });

  it("treats an empty secret in .dev.vars as unset", () => {
    expect(loadConfig({ ...base, SENTRY_DSN: "" }).SENTRY_DSN).toBeUndefined();
  });

  it("refuses to start in production without the required secrets, naming them but no values", () => {
    expect(() => loadConfig({ ...base, ENVIRONMENT: "production" })).toThrow(ConfigError);
    let problems: string[] = [];
    try {
      loadConfig({
        ...base,
        ...deployedSecrets,
        ENVIRONMENT: "production",
        CORS_ORIGINS: "https://app.dealix.sa",
        APP_ORIGIN: "https://app.dealix.sa",
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(["SENTRY_DSN: secret SENTRY_DSN is required in production"]);
    const { DATA_ENCRYPTION_KEY: _key, ...withoutKey } = deployedSecrets;
    expect(() =>
      loadConfig({
        ...base,
        ...withoutKey,
        ENVIRONMENT: "production",
        SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
        APP_ORIGIN: "https://app.dealix.sa",
      }),
    ).toThrow(/DATA_ENCRYPTION_KEY: secret DATA_ENCRYPTION_KEY is required in production/);
    // Payments: production never falls back to the simulator or to a guessable webhook token.
    for (const name of ["MOYASAR_SECRET_KEY", "MOYASAR_WEBHOOK_SECRET"] as const) {
      expect(() =>
        loadConfig({
          ...base,
          ...deployedSecrets,
          [name]: "",
          ENVIRONMENT: "production",
          SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
          APP_ORIGIN: "https://app.dealix.sa",
        }),
      ).toThrow(new RegExp(`${name}: secret ${name} is required in production`));
    }
    const ok = loadConfig({
      ...base,
      ...deployedSecrets,
      ENVIRONMENT: "production",
      SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
      APP_ORIGIN: "https://app.dealix.sa",
    });
    expect(ok.ENVIRONMENT).toBe("production");
  });

  it("builds links from APP_ORIGIN: an origin, and https in production", () => {
    expect(loadConfig({ ...base }).APP_ORIGIN).toBe("http://127.0.0.1:8787");
    expect(() => loadConfig({ ...base, APP_ORIGIN: "https://app.dealix.sa/path" })).toThrow(/APP_ORIGIN/);
    const production = {
      ...base,
      ...deployedSecrets,
      ENVIRONMENT: "production",
      SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
    };
    expect(() => loadConfig({ ...production })).toThrow(/APP_ORIGIN must be an https origin/);
    expect(() => loadConfig({ ...production, APP_ORIGIN: "http://app.dealix.sa" })).toThrow(/APP_ORIGIN/);
    expect(loadConfig({ ...production, APP_ORIGIN: "https://app.dealix.sa" }).APP_ORIGIN).toBe(
      "https://app.dealix.sa",
    );
  });

  it("requires the token and pepper secrets everywhere, and real ones in production", () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...base, PASSWORD_PEPPER: "too short" })).toThrow(/PASSWORD_PEPPER/);
    const devValues = {
      JWT_SECRET: `dev-only-${"x".repeat(40)}`,
      PASSWORD_PEPPER: `dev-only-${"y".repeat(40)}`,
    };
    expect(loadConfig({ ...base, ...devValues }).JWT_SECRET).toMatch(/^dev-only-/);
    expect(() =>
      loadConfig({
        ...base,
        ...devValues,
        ENVIRONMENT: "production",
        SENTRY_DSN: "https://k@o1.ingest.sentry.io/1",
      }),
    ).toThrow(/JWT_SECRET is the development value/);
  });

  it("needs both identity channels in production, each whole; without them development keeps the dev outbox", () => {
    const production = {
      ...base,
      ...deployedSecrets,
      ENVIRONMENT: "production",
      SENTRY_DSN: "https://k@o1.ingest.sentry.io/1",
      APP_ORIGIN: "https://app.dealix.sa",
    };
    expect(loadConfig(production).PLATFORM_WHATSAPP_TEMPLATE_LANGUAGES).toEqual(["ar", "en"]);
    expect(() => loadConfig({ ...production, RESEND_API_KEY: "" })).toThrow(
      /RESEND_API_KEY: secret RESEND_API_KEY is required in production/,
    );
    expect(() => loadConfig({ ...production, PLATFORM_WHATSAPP_ACCESS_TOKEN: undefined })).toThrow(
      /PLATFORM_WHATSAPP_ACCESS_TOKEN/,
    );
    // Half a channel would look configured and fail every send, in development too.
    expect(() => loadConfig({ ...base, PLATFORM_WHATSAPP_PHONE_NUMBER_ID: "100000000000001" })).toThrow(
      /together, or neither/,
    );
    expect(() => loadConfig({ ...base, RESEND_API_KEY: "re_key" })).toThrow(/together, or neither/);
    expect(() => loadConfig({ ...base, ...deployedSecrets, EMAIL_FROM: "not an address" })).toThrow(
      /EMAIL_FROM/,
    );
    const development = loadConfig({ ...base, EMAIL_FROM: "", RESEND_API_KEY: "" });
    expect(development.RESEND_API_KEY).toBeUndefined();
    expect(development.PLATFORM_WHATSAPP_AUTH_TEMPLATE).toBe("dealix_code");
  });

  it("needs the tax-invoice seller in production, with a real VAT number and a QR-sized Arabic name", () => {
    const production = {
      ...base,
      ...deployedSecrets,
      ENVIRONMENT: "production",
      SENTRY_DSN: "https://k@o1.ingest.sentry.io/1",
      APP_ORIGIN: "https://app.dealix.sa",
    };
    expect(loadConfig(production).ZATCA_SELLER_VAT_NUMBER).toBe("310122393500003");
    expect(() => loadConfig({ ...production, ZATCA_SELLER_ADDRESS: "" })).toThrow(
      /ZATCA_SELLER_ADDRESS: secret ZATCA_SELLER_ADDRESS is required in production/,
    );
    expect(() => loadConfig({ ...production, ZATCA_SELLER_VAT_NUMBER: "300000000000003" })).toThrow(
      /ZATCA_SELLER_VAT_NUMBER is the development value/,
    );
    expect(() => loadConfig({ ...production, ZATCA_SELLER_VAT_NUMBER: "123456789012345" })).toThrow(
      /starts and ends with 3/,
    );
    expect(() => loadConfig({ ...base, ZATCA_SELLER_NAME_AR: "ش".repeat(128) })).toThrow(/255 UTF-8 bytes/);
    expect(loadConfig({ ...base, ZATCA_SELLER_VAT_NUMBER: "300000000000003" }).ZATCA_SELLER_VAT_NUMBER).toBe(
      "300000000000003",
    );
  });

  it("rejects malformed values", () => {
    expect(() => loadConfig({ ...base, CORS_ORIGINS: "https://ok.example,not a url" })).toThrow(
      /CORS_ORIGINS/,
    );
    expect(() => loadConfig({ ...base, CORS_ORIGINS: "https://ok.example/path" })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ ...base, MAX_JSON_BODY_BYTES: "lots" })).toThrow(/MAX_JSON_BODY_BYTES/);
    expect(() => loadConfig({ ...base, ENVIRONMENT: "Production!" })).toThrow(/ENVIRONMENT/);
  });

  it("requires ENVIRONMENT: there is no default to fall back on", async () => {
    expect(() => loadConfig({ ...base, ENVIRONMENT: undefined })).toThrow(
      /ENVIRONMENT: var ENVIRONMENT is required/,
    );
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await callWithEnv({ ENVIRONMENT: undefined }, "/dev/outbox");
    errors.mockRestore();
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('data-testid="outbox-page"');
  });

  it("treats an environment other than development and test as deployed", () => {
    const staging = {
      ...base,
      ...deployedSecrets,
      ENVIRONMENT: "staging",
      APP_ORIGIN: "https://staging.dealix.sa",
    };
    expect(() => loadConfig(staging)).toThrow(/SENTRY_DSN: secret SENTRY_DSN is required in staging/);
    const config = loadConfig({
      ...staging,
      SENTRY_DSN: "https://k@o1.ingest.sentry.io/1",
    });
    expect(config.ENVIRONMENT).toBe("staging");
    expect(devToolsEnabled(config)).toBe(false);
    expect(devToolsEnabled(loadConfig({ ...base, ENVIRONMENT: "test" }))).toBe(true);
    expect(devToolsEnabled(loadConfig(base))).toBe(true);
  });

  it("answers every request with a 500 CONFIG_INVALID problem and logs the missing names", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await callWithEnv({ ENVIRONMENT: "production", SENTRY_DSN: "" }, "/api/v1/anything");
    const problem = await expectProblem(res, 500, "CONFIG_INVALID");
    expect(problem.detail).not.toContain("SENTRY_DSN");
    const logged = errors.mock.calls.map((args) => String(args[0])).join("\n");
    expect(logged).toContain('"msg":"config_invalid"');
    expect(logged).toContain("SENTRY_DSN");
    errors.mockRestore();
  });
});
