import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { OPERATOR_COOKIE } from "../../src/admin/operator-session";
import { dbFor } from "../../src/db/client";
import { storeDeadLetters } from "../../src/dead-letters/dead-letters.service";
import { loadConfig } from "../../src/env";
import { resetBreaker, throughBreaker } from "../../src/platform/circuit-breaker";
import { TestBrowser } from "../../test/browser";
import { createOperator } from "../../test/fixtures";
import { call, escaped } from "../../test/helpers";
import { outboundDeadLetters } from "../../workers/queues/outbound";
import { webhookDeadLetters } from "../../workers/queues/webhooks";
import { ar } from "../i18n/ar";
import { en } from "../i18n/en";

const db = dbFor(env.DB);

let ipCounter = 0;
async function operatorBrowser(locale: "ar" | "en" = "ar") {
  const operator = await createOperator();
  const token = operator.cookie.Cookie.slice(`${OPERATOR_COOKIE}=`.length);
  const browser = new TestBrowser(
    { [OPERATOR_COOKIE]: token, ...(locale === "en" ? { lang: "en" } : {}) },
    `192.0.2.${100 + ++ipCounter}`,
  );
  return { browser, operator };
}

const rowsOf = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .all<Record<string, string | number | null>>()
    .then((r) => r.results);

const storeOutbound = (...ns: number[]) =>
  storeDeadLetters(
    db,
    outboundDeadLetters,
    ns.map((n) => ({
      id: `page-out-${n}`,
      body: {
        tenantId: "ten_00000000000000000000",
        messageId: `msg_000000000000000000${String(n).padStart(2, "0")}`,
      },
    })),
  );

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM dead_letters").run();
});

describe("the dead-letters page", () => {
  it("sends anyone without an operator session to the sign-in page", async () => {
    for (const path of ["/admin/dead-letters", "/admin/breakers"]) {
      const res = await call(path, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/admin/login");
    }
  });

  it("shows the counts and a queue's letters in Arabic, without a webhook's phone or text", async () => {
    await storeOutbound(1);
    await storeDeadLetters(db, webhookDeadLetters(loadConfig(env)), [
      {
        id: "page-hook",
        body: {
          provider: "whatsapp",
          accountId: "wac_00000000000000000000",
          tenantId: "ten_00000000000000000000",
          phoneNumberId: "1234567890",
          receivedAt: 1,
          payload: { from: "966551112233", text: "رسالة خاصة" },
        },
      },
    ]);
    const { browser } = await operatorBrowser();
    const res = await browser.get("/admin/dead-letters");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(escaped(ar.admin.deadLetters.title));
    expect(html).toMatch(/data-testid="dlq-waiting-outbound">1</);
    expect(html).toMatch(/data-testid="dlq-waiting-webhooks">1</);
    expect(html).toContain('name="ids"');
    expect(html).toContain("/assets/dead-letters.js");

    const hooks = await (await browser.get("/admin/dead-letters?queue=webhooks")).text();
    expect(hooks).toContain(escaped(ar.admin.deadLetters.sealed));
    expect(hooks).not.toContain("966551112233");
    expect(hooks).not.toContain("رسالة خاصة");

    const english = await (await operatorBrowser("en")).browser.get("/admin/dead-letters");
    const englishHtml = await english.text();
    expect(englishHtml).toContain('<html lang="en" dir="ltr">');
    expect(englishHtml).toContain(en.admin.deadLetters.retryAll);
  });

  it("retries the checked letter once, then all, showing the progress, each audited", async () => {
    await storeOutbound(1, 2);
    const [first] = await rowsOf("SELECT id FROM dead_letters WHERE message_id = 'page-out-1'");
    const { browser, operator } = await operatorBrowser("en");
    await browser.get("/admin/dead-letters?queue=outbound");
    const one = await browser.post("/admin/dead-letters/outbound/retry", {
      scope: "selected",
      ids: String(first?.id),
    });
    expect(one.status).toBe(303);
    expect(one.headers.get("Location")).toBe(
      "/admin/dead-letters?queue=outbound&retried=1&waiting=1&failed=0",
    );
    const shown = await (await browser.follow(one)).text();
    expect(shown).toContain("1 retried, 1 waiting");
    expect(shown).not.toContain("data-drain");

    const all = await browser.post("/admin/dead-letters/outbound/retry", { scope: "all" });
    expect(all.headers.get("Location")).toBe(
      "/admin/dead-letters?queue=outbound&retried=1&waiting=0&failed=0&drain=1",
    );
    expect(await rowsOf("SELECT id FROM dead_letters WHERE retried_at IS NULL")).toEqual([]);
    const audit = await rowsOf(
      "SELECT action FROM operator_audit_events WHERE operator_id = ? AND action = 'operator.dead_letters_retried'",
      operator.userId,
    );
    expect(audit).toHaveLength(2);
  });

  it("offers to continue a long drain, and continues on its own while each call retried something", async () => {
    const { browser } = await operatorBrowser("en");
    const html = await (
      await browser.get("/admin/dead-letters?queue=outbound&retried=1000&waiting=250&failed=0&drain=1")
    ).text();
    expect(html).toContain("1000 retried, 250 waiting");
    expect(html).toContain('data-drain="auto"');
    // A call that retried nothing (the queue refused): the operator decides, nothing loops.
    const stuck = await (
      await browser.get("/admin/dead-letters?queue=outbound&retried=0&waiting=250&failed=100&drain=1")
    ).text();
    expect(stuck).toContain(en.admin.deadLetters.continue);
    expect(stuck).not.toContain('data-drain="auto"');
  });

  it("purges only after a confirmation, and refuses an unknown queue or a bad id", async () => {
    await storeOutbound(1, 2);
    const [first] = await rowsOf("SELECT id FROM dead_letters WHERE message_id = 'page-out-1'");
    const { browser, operator } = await operatorBrowser();
    await browser.get("/admin/dead-letters?queue=outbound");
    const ask = await browser.post("/admin/dead-letters/outbound/purge", {
      scope: "selected",
      ids: String(first?.id),
    });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('data-testid="purge-confirm-page"');
    expect(await rowsOf("SELECT id FROM dead_letters")).toHaveLength(2);

    const done = await browser.post("/admin/dead-letters/outbound/purge", {
      scope: "selected",
      ids: String(first?.id),
      confirmed: "yes",
    });
    expect(done.headers.get("Location")).toBe("/admin/dead-letters?queue=outbound&purged=1");
    expect(await rowsOf("SELECT message_id FROM dead_letters")).toEqual([{ message_id: "page-out-2" }]);
    const [audit] = await rowsOf(
      "SELECT details FROM operator_audit_events WHERE operator_id = ? AND action = 'operator.dead_letters_purged'",
      operator.userId,
    );
    expect(JSON.parse(String(audit?.details))).toEqual({ purged: 1, selected: 1 });

    expect(
      (await browser.post("/admin/dead-letters/emails/purge", { scope: "all", confirmed: "yes" })).status,
    ).toBe(404);
    expect(
      (await browser.post("/admin/dead-letters/outbound/retry", { scope: "selected", ids: "not-an-id" }))
        .status,
    ).toBe(422);
    const none = await browser.post("/admin/dead-letters/outbound/retry", { scope: "selected" });
    expect(none.headers.get("Location")).toBe("/admin/dead-letters?queue=outbound&notice=none");
    expect(await rowsOf("SELECT retried_at FROM dead_letters")).toEqual([{ retried_at: null }]);
  });
});

describe("the circuit-breakers page", () => {
  it("shows each breaker's state and resets an open one", async () => {
    await resetBreaker(env.CIRCUIT_BREAKER, "llm");
    for (let i = 0; i < 5; i++) {
      await throughBreaker(env.CIRCUIT_BREAKER, "llm", async () => {
        throw new Error("down");
      }).catch(() => undefined);
    }
    const { browser, operator } = await operatorBrowser("en");
    const html = await (await browser.get("/admin/breakers")).text();
    expect(html.match(/data-testid="breaker"/g)).toHaveLength(5);
    expect(html).toMatch(/data-name="llm"[\s\S]*?data-testid="breaker-state">Open</);
    expect(html).toContain('action="/admin/breakers/llm/reset"');

    const reset = await browser.post("/admin/breakers/llm/reset", {});
    expect(reset.status).toBe(303);
    expect(reset.headers.get("Location")).toBe("/admin/breakers?reset=llm");
    const after = await (await browser.follow(reset)).text();
    expect(after).toMatch(/data-name="llm"[\s\S]*?data-testid="breaker-state">Closed</);
    const audit = await rowsOf(
      "SELECT target_id FROM operator_audit_events WHERE operator_id = ? AND action = 'operator.circuit_breaker_reset'",
      operator.userId,
    );
    expect(audit).toEqual([{ target_id: "llm" }]);
    expect((await browser.post("/admin/breakers/stripe/reset", {})).status).toBe(404);
  });
});
