import { auditInsert } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import { ApiError } from "../platform/problem";
import type { UpdateCrmSettingsInput } from "./crm-settings.model";
import {
  clearAgents,
  insertAgents,
  membersAmong,
  roundRobinAgents,
  settingsRow,
  upsertSettings,
} from "./crm-settings.repo";

/** The tenant's CRM rules, with the defaults when it never changed them. One D1 round trip. */
export async function crmSettingsFor(ctx: TenantContext) {
  const { scope } = ctx;
  const [[row], agents] = await scope.read(() => [settingsRow(scope), roundRobinAgents(scope)] as const);
  return {
    visibility: row?.visibility ?? "own",
    assignment: row?.assignment ?? "manual",
    roundRobinAgentIds: agents.map((agent) => agent.userId),
    updatedAt: row ? new Date(row.updatedAt).toISOString() : null,
  };
}

/** Changes the rules; the agents list, when given, replaces the old one. Audited. */
export async function updateCrmSettings(ctx: TenantContext, input: UpdateCrmSettingsInput) {
  const { scope, now } = ctx;
  const agentIds = input.roundRobinAgentIds ? [...new Set(input.roundRobinAgentIds)] : undefined;
  const [found] = await scope.read(() => [membersAmong(scope, agentIds ?? [])] as const);
  if (agentIds) {
    const members = new Set(found.map((row) => row.userId));
    const strangers = agentIds.filter((id) => !members.has(id));
    if (strangers.length > 0) {
      throw new ApiError("VALIDATION_FAILED", "Round-robin agents must be members of this team.", {
        errors: strangers.map((id) => ({
          path: "roundRobinAgentIds",
          code: "not_a_member",
          message: `${id} is not a member.`,
        })),
      });
    }
  }
  await scope.write([
    upsertSettings(scope, { visibility: input.visibility, assignment: input.assignment }, now),
    ...(agentIds
      ? [clearAgents(scope), ...(agentIds.length > 0 ? [insertAgents(scope, agentIds, now)] : [])]
      : []),
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "crm_settings.updated",
        details: {
          visibility: input.visibility ?? null,
          assignment: input.assignment ?? null,
          roundRobinAgents: agentIds ? agentIds.length : null,
        },
      },
      ctx.origin,
      now,
    ),
  ]);
  return crmSettingsFor(ctx);
}
