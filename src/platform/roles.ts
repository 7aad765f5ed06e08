/** Tenant roles, highest first. Platform operators are a separate flag, not a tenant role. */
export const ROLES = ["owner", "manager", "agent"] as const;
export type Role = (typeof ROLES)[number];

const ROLE_RANK: Record<Role, number> = { agent: 1, manager: 2, owner: 3 };

export const hasRole = (role: Role, minimum: Role) => ROLE_RANK[role] >= ROLE_RANK[minimum];

/**
 * What an API key may be allowed to do: the catalogue every route's access rule names. Capabilities
 * add their scopes here, as they add problem codes to the problem catalogue.
 */
export const SCOPES = [
  "members:read",
  "audit:read",
  "crm:read",
  "crm:write",
  "crm:admin",
  "messages:read",
  "messages:send",
  "messages:approve",
  "messages:admin",
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The least tenant role a key's scope needs, matching the role its routes require of people: a key
 * never does more than its creator's role allows (when the creator is demoted or removed, keys
 * beyond the new role are revoked).
 */
export const SCOPE_MINIMUM_ROLE: Record<Scope, Role> = {
  "members:read": "manager",
  "audit:read": "manager",
  // CRM records: read and write what the key's creator could (keys see every record of the tenant).
  "crm:read": "agent",
  "crm:write": "agent",
  // Pipelines, stages, custom fields, assignment and visibility settings, templates.
  "crm:admin": "manager",
  // WhatsApp threads of the contacts the key may see, and sending to them.
  "messages:read": "agent",
  "messages:send": "agent",
  // Approving held messages and setting the approval policy.
  "messages:approve": "manager",
  // Syncing the WhatsApp template registry from Meta.
  "messages:admin": "manager",
};

/** The roles that may hold a key with all of `scopes`. */
export const rolesAllowingScopes = (scopes: readonly Scope[]): Role[] =>
  ROLES.filter((role) => scopes.every((scope) => hasRole(role, SCOPE_MINIMUM_ROLE[scope])));
