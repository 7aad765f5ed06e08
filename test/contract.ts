import type { RouteConfig } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { createApp } from "../src/app";
import {
  INFRASTRUCTURE_PROBLEMS,
  PROBLEM_CONTENT_TYPE,
  type ProblemCode,
  ProblemSchema,
  problemCatalog,
} from "../src/platform/problem";

/**
 * Checks a response the app sent against the operation it answered, as the route declares it
 * (the same zod schemas the OpenAPI document is generated from): the status must be declared,
 * the Content-Type must be one the response declares, and the body must parse with its schema and
 * carry no field the schema does not name. `call()` and the other helpers run this on every
 * response, so a test that makes the app break its contract fails, whatever the test asserts.
 */

export interface Operation {
  name: string;
  method: string;
  path: string;
  pattern: RegExp;
  parameterCount: number;
  hasJsonBody: boolean;
  params: NonNullable<RouteConfig["request"]>["params"];
  responses: RouteConfig["responses"];
}

type ResponseDeclaration = RouteConfig["responses"][string];

const CHECKED_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

const infrastructureStatuses = new Set<number>(
  INFRASTRUCTURE_PROBLEMS.map((code) => problemCatalog[code].status),
);

let operations: Operation[] | undefined;

/** Every operation the app registers, read from the route definitions (they keep the zod schemas). */
export function contractOperations(): Operation[] {
  operations ??= createApp().openAPIRegistry.definitions.flatMap((definition) => {
    if (definition.type !== "route") return [];
    const { method, path, operationId, request, responses } = definition.route;
    const segments = path
      .split("/")
      .map((segment) =>
        /^\{[^}]+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&"),
      );
    return [
      {
        name: `${method.toUpperCase()} ${path} (${operationId ?? "no operationId"})`,
        method: method.toUpperCase(),
        path,
        pattern: new RegExp(`^${segments.join("/")}$`),
        parameterCount: (path.match(/\{/g) ?? []).length,
        hasJsonBody: Boolean(request?.body?.content["application/json"]),
        params: request?.params,
        responses,
      },
    ];
  });
  return operations;
}

/** The operation for a method and path; a literal path wins over one with parameters. */
export function findOperation(method: string, path: string): Operation | undefined {
  return contractOperations()
    .filter((operation) => operation.method === method && operation.pattern.test(path))
    .sort((a, b) => a.parameterCount - b.parameterCount)[0];
}

function declaredResponse(operation: Operation, status: number): ResponseDeclaration | undefined {
  const { responses } = operation;
  return responses[String(status)] ?? responses[`${Math.floor(status / 100)}XX`] ?? responses.default;
}

const isZodSchema = (schema: unknown): schema is ZodType =>
  typeof schema === "object" && schema !== null && "safeParse" in schema;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Fields in what was sent that parsing dropped: the schema does not declare them. */
function undeclaredFields(sent: unknown, parsed: unknown, at = ""): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    return sent.flatMap((item, index) => undeclaredFields(item, parsed[index], `${at}[${index}]`));
  }
  if (isPlainObject(sent) && isPlainObject(parsed)) {
    return Object.keys(sent).flatMap((key) => {
      const path = at ? `${at}.${key}` : key;
      return key in parsed ? undeclaredFields(sent[key], parsed[key], path) : [path];
    });
  }
  return [];
}

type MediaTypes = Record<string, { schema?: unknown } | undefined>;

const problemMediaType: MediaTypes = { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } };

async function bodyMismatches(response: Response, mediaTypes: MediaTypes): Promise<string[]> {
  const text = await response.clone().text();
  const declaredTypes = Object.keys(mediaTypes);
  if (declaredTypes.length === 0) {
    return text === "" ? [] : [`declares no body but sent ${text.slice(0, 200)}`];
  }
  const contentType = response.headers.get("Content-Type") ?? "";
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const schema = mediaTypes[mediaType]?.schema;
  if (!mediaTypes[mediaType]) {
    return [`Content-Type is "${contentType}", the operation declares ${declaredTypes.join(" or ")}`];
  }
  if (!isZodSchema(schema)) return [`the declared ${mediaType} schema is not a zod schema`];
  let body: unknown = text;
  // A text body (a CSV export) is checked as the string it is; JSON bodies are parsed first.
  const isJson = mediaType === "application/json" || mediaType.endsWith("+json");
  try {
    if (isJson) body = JSON.parse(text);
  } catch {
    return [`the body is not JSON: ${text.slice(0, 200)}`];
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    return result.error.issues.map(
      (issue) => `body.${issue.path.map(String).join(".")}: ${issue.message} (${issue.code})`,
    );
  }
  const problems = undeclaredFields(body, result.data).map((path) => `body.${path} is not in the schema`);
  if (mediaType === PROBLEM_CONTENT_TYPE && (body as { status?: unknown }).status !== response.status) {
    problems.push(`the problem says status ${(body as { status?: unknown }).status}`);
  }
  return problems;
}

/** A problem the platform may answer on any operation (INFRASTRUCTURE_PROBLEMS), checked as such. */
async function infrastructureMismatches(response: Response): Promise<string[] | undefined> {
  if (!infrastructureStatuses.has(response.status)) return undefined;
  const problems = await bodyMismatches(response, problemMediaType);
  if (problems.length > 0) return problems;
  const { code } = (await response.clone().json()) as { code: ProblemCode };
  return INFRASTRUCTURE_PROBLEMS.includes(code) ? [] : undefined;
}

/**
 * What is wrong with this response under the contract, as readable lines (empty when it conforms).
 * Paths the contract does not describe (pages, /openapi.json, /dev) are not checked.
 */
export async function contractMismatches(
  method: string,
  pathAndQuery: string,
  response: Response,
): Promise<{ operation: string; problems: string[] }> {
  const path = pathAndQuery.split(/[?#]/)[0] ?? pathAndQuery;
  const upperMethod = method.toUpperCase();
  if (!CHECKED_METHODS.has(upperMethod)) return { operation: `${upperMethod} ${path}`, problems: [] };
  const operation = findOperation(upperMethod, path);
  if (!operation) {
    const pathIsDocumented = contractOperations().some((candidate) => candidate.pattern.test(path));
    if (!pathIsDocumented) return { operation: `${upperMethod} ${path}`, problems: [] };
    const name = `${upperMethod} ${path} (a method the path does not have)`;
    if (response.status !== 405) return { operation: name, problems: ["the answer must be 405"] };
    const problems = await bodyMismatches(response, problemMediaType);
    if (!response.headers.get("Allow")) problems.push("a 405 must say which methods the path has (Allow)");
    return { operation: name, problems };
  }
  const declaration = declaredResponse(operation, response.status);
  if (!declaration) {
    const infrastructure = await infrastructureMismatches(response);
    return {
      operation: operation.name,
      problems: infrastructure ?? [
        `status ${response.status} is not declared (declared: ${Object.keys(operation.responses).join(", ")}); ` +
          `body: ${(await response.clone().text()).slice(0, 300)}`,
      ],
    };
  }
  if ("$ref" in declaration) {
    return {
      operation: operation.name,
      problems: ["the response is declared by $ref, which this check cannot read"],
    };
  }
  const mediaTypes = (declaration.content ?? {}) as MediaTypes;
  return { operation: operation.name, problems: await bodyMismatches(response, mediaTypes) };
}

/** Throws, naming the operation, status and every mismatch, when a response breaks the contract. */
export async function expectConformsToContract(method: string, path: string, response: Response) {
  const { operation, problems } = await contractMismatches(method, path, response);
  if (problems.length > 0) {
    throw new Error(
      `Response breaks the API contract: ${operation} answered ${response.status}\n  - ${problems.join("\n  - ")}`,
    );
  }
}
