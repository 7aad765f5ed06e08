import type { z } from "@hono/zod-openapi";
import { auditInsert, auditInsertIfChanged } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { ApiError } from "../platform/problem";
import type { ConnectWhatsAppInputSchema } from "./messaging.model";
import {
  accountOfTenant,
  deleteAccount,
  upsertAccount,
  type WhatsAppAccountRow,
} from "./whatsapp-accounts.repo";
import { forgetWebhookAccount, sealCredential } from "./whatsapp-credentials";

type ConnectInput = z.infer<typeof ConnectWhatsAppInputSchema>;

/** What the API shows of the account: never a credential, not even encrypted. */
export const accountView = (row: WhatsAppAccountRow, appOrigin: string) => ({
  id: row.id,
  phoneNumberId: row.phoneNumberId,
  displayPhone: row.displayPhone,
  businessAccountId: row.businessAccountId,
  webhookUrl: `${appOrigin}/webhooks/whatsapp?account=${row.id}`,
  connectedAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

export async function whatsappAccountOf(ctx: TenantContext) {
  const [[row]] = await ctx.scope.read(() => [accountOfTenant(ctx.scope)] as const);
  if (!row) throw new ApiError("NOT_FOUND", "No WhatsApp number is connected.");
  return accountView(row, ctx.config.APP_ORIGIN);
}

/**
 * Connects the tenant's WhatsApp number, or replaces its credentials. The secrets are encrypted
 * before they reach D1; the audit row names the number, never a secret.
 */
export async function connectWhatsApp(ctx: TenantContext, input: ConnectInput) {
  const { scope, config, now } = ctx;
  const [accessTokenEnc, appSecretEnc, verifyTokenEnc] = await Promise.all([
    sealCredential(config, scope.tenantId, "access_token", input.accessToken),
    sealCredential(config, scope.tenantId, "app_secret", input.appSecret),
    sealCredential(config, scope.tenantId, "verify_token", input.verifyToken),
  ]);
  let written: Awaited<ReturnType<typeof scope.write>>;
  try {
    written = await scope.write([
      upsertAccount(scope, {
        id: newId(idPrefixes.whatsappAccount),
        phoneNumberId: input.phoneNumberId,
        displayPhone: input.displayPhone,
        businessAccountId: input.businessAccountId ?? null,
        accessTokenEnc,
        appSecretEnc,
        verifyTokenEnc,
        createdBy: ctx.actor.id,
        createdAt: now,
        updatedAt: now,
      }),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "whatsapp.connected",
          details: { phoneNumberId: input.phoneNumberId, displayPhone: input.displayPhone },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (
      /UNIQUE constraint failed: whatsapp_accounts\.phone_number_id/.test(
        String(error) + String((error as { cause?: unknown }).cause ?? ""),
      )
    ) {
      throw new ApiError("CONFLICT", "This WhatsApp number is connected to another Dealix account.");
    }
    throw error;
  }
  const [row] = written[0] as WhatsAppAccountRow[];
  if (!row) throw new Error("connectWhatsApp: the account was not stored");
  forgetWebhookAccount(row.id);
  return accountView(row, config.APP_ORIGIN);
}

export async function disconnectWhatsApp(ctx: TenantContext) {
  const { scope, now } = ctx;
  const [removed] = await scope.write([
    deleteAccount(scope),
    auditInsertIfChanged(
      scope.db,
      { tenantId: scope.tenantId, actor: ctx.actor, action: "whatsapp.disconnected" },
      ctx.origin,
      now,
    ),
  ]);
  const [row] = removed;
  if (!row) throw new ApiError("NOT_FOUND", "No WhatsApp number is connected.");
  forgetWebhookAccount(row.id);
}
