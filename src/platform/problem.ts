import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Stable machine-readable error codes. Clients switch on `code`, never on `title` or `detail`,
 * so a code, once shipped, keeps its meaning and status.
 */
export const problemCatalog = {
  MALFORMED_REQUEST: { status: 400, title: "Malformed request" },
  INVALID_HEADER: { status: 400, title: "Invalid header" },
  UNAUTHENTICATED: { status: 401, title: "Authentication required" },
  FORBIDDEN: { status: 403, title: "Not allowed" },
  CSRF_REJECTED: { status: 403, title: "Cross-site request rejected" },
  PLAN_LIMIT: { status: 402, title: "Plan limit reached" },
  ACCOUNT_SUSPENDED: { status: 402, title: "The account is read-only until it is paid for" },
  UNVERIFIED_IDENTIFIER: { status: 403, title: "Email or phone not verified" },
  NOT_FOUND: { status: 404, title: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  CONFLICT: { status: 409, title: "Conflict" },
  DUPLICATE_CONTACT: { status: 409, title: "A contact with this phone, email or name exists" },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: "Idempotency-Key reused with a different request" },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: "A request with this Idempotency-Key is still running" },
  VERSION_MISMATCH: { status: 412, title: "The record changed since you read it" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  VALIDATION_FAILED: { status: 422, title: "Validation failed" },
  TEMPLATE_REQUIRED: { status: 422, title: "Outside the 24-hour window: send an approved template" },
  TEMPLATE_NOT_APPROVED: { status: 422, title: "No approved template with this name and language" },
  TEMPLATE_LACKS_OPT_OUT: { status: 422, title: "A marketing template must tell the reader how to opt out" },
  WHATSAPP_NOT_CONNECTED: { status: 409, title: "No WhatsApp number is connected" },
  VERSION_REQUIRED: { status: 428, title: "If-Match header required" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal error" },
  CONFIG_INVALID: { status: 500, title: "Service misconfigured" },
  UNAVAILABLE: { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemCode = keyof typeof problemCatalog;

/**
 * Problems the platform, not the route, answers: any operation may give them without listing them
 * (the spec's description says so once). A wrong method is a 405 of the path, not of an operation.
 */
export const INFRASTRUCTURE_PROBLEMS: readonly ProblemCode[] = [
  // Any write of an account suspended for non-payment (or canceled): see tenant-scope.ts.
  "ACCOUNT_SUSPENDED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "INTERNAL",
  "CONFIG_INVALID",
  "UNAVAILABLE",
];

export interface FieldError {
  path: string;
  message: string;
  code: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemTypeUri = (code: ProblemCode) =>
  `https://dealix.sa/problems/${code.toLowerCase().replaceAll("_", "-")}`;

/** An error a route or middleware throws on purpose; the app's error handler renders it. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  /** Where the caller can lift a plan limit (PLAN_LIMIT). */
  readonly upgradeUrl: string | undefined;

  constructor(
    readonly code: ProblemCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; upgradeUrl?: string } = {},
  ) {
    super(detail ?? problemCatalog[code].title);
    this.name = "ApiError";
    this.status = problemCatalog[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.upgradeUrl = options.upgradeUrl;
  }
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: problemTypeUri("VALIDATION_FAILED") }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: "The request body does not match the schema." }),
    code: z.enum(Object.keys(problemCatalog) as [ProblemCode, ...ProblemCode[]]),
    requestId: z.string().openapi({ example: "req_4f9c1b7e2a6d8c03e5b1" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string() }))
      .optional()
      .openapi({ description: "One entry per invalid field, for VALIDATION_FAILED." }),
    upgradeUrl: z
      .string()
      .optional()
      .openapi({ description: "For PLAN_LIMIT: the page where the account's owner changes plan." }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details" });

export type Problem = z.infer<typeof ProblemSchema>;

export function problemBody(error: ApiError, requestId: string): Problem {
  return {
    type: problemTypeUri(error.code),
    title: problemCatalog[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.upgradeUrl ? { upgradeUrl: error.upgradeUrl } : {}),
  };
}

export function problemResponse(c: Context, error: ApiError): Response {
  const requestId = (c.get("requestId") as string | undefined) ?? "unknown";
  return c.json(problemBody(error, requestId), error.status, {
    ...error.headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
    "Cache-Control": "no-store",
  });
}

/** OpenAPI response entries for the problems a route can return, so the spec lists them. */
export function problemResponses(...codes: ProblemCode[]) {
  const statuses = [...new Set(codes.map((code) => problemCatalog[code].status))];
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: codes.filter((code) => problemCatalog[code].status === status).join(", "),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );
}

/**
 * The client-error entry of an operation that takes no input and no credential (health checks):
 * nothing the caller sends can be wrong, yet generated clients should know a stray 4xx (a body
 * that is too large, say) is a problem too.
 */
export const anyClientErrorResponse = {
  "4XX": {
    description: "Any client error, as a problem",
    content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
  },
};
