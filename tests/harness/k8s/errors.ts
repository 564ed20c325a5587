/**
 * Kubernetes-style errors for the fake API server: field errors (the `field.Error` shapes the
 * apiserver reports inside a 422) and `Status` bodies with the reasons and message formats that
 * clients such as @kubernetes/client-node parse.
 */

/** A JSON object as decoded from a request body. */
export type JsonObject = Record<string, unknown>;

/** True for plain JSON objects (not arrays, not null). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Field error types, named after the `reason` they carry in a Status cause. */
export type FieldErrorReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueForbidden"
  | "FieldValueTypeInvalid";

/** One validation failure: `field` is a path such as `spec.listeners[0].name`. */
export interface FieldError {
  reason: FieldErrorReason;
  field: string;
  /** The message without the field prefix, e.g. `Invalid value: "x": detail`. */
  message: string;
  /** A type error: the apiserver skips CEL rules when one is present. */
  blocking?: boolean;
}

/**
 * Formats a value the way Go's `%q`/`%v` show it in field errors: strings quoted, numbers and
 * booleans bare, composite values by their type name (which is what the CRD validator prints).
 */
export function showValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return '"array"';
  return '"object"';
}

/** Go's `%#v` rendering of a `map[string]interface{}`, used by "Duplicate value" errors. */
export function goMapLiteral(m: JsonObject): string {
  const parts = Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${goScalar(m[k])}`);
  return `map[string]interface {}{${parts.join(", ")}}`;
}

function goScalar(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isInteger(v) ? `${v}` : `${v}`;
  return String(v);
}

export function required(field: string, detail = ""): FieldError {
  return {
    reason: "FieldValueRequired",
    field,
    message: detail ? `Required value: ${detail}` : "Required value",
  };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return {
    reason: "FieldValueInvalid",
    field,
    message: `Invalid value: ${showValue(value)}: ${detail}`,
  };
}

export function notSupported(field: string, value: unknown, supported: unknown[]): FieldError {
  const list = supported.map((s) => (typeof s === "string" ? JSON.stringify(s) : String(s)));
  return {
    reason: "FieldValueNotSupported",
    field,
    message: `Unsupported value: ${showValue(value)}: supported values: ${list.join(", ")}`,
  };
}

export function duplicate(field: string, shown: string): FieldError {
  return { reason: "FieldValueDuplicate", field, message: `Duplicate value: ${shown}` };
}

export function tooLong(field: string, max: number): FieldError {
  return {
    reason: "FieldValueTooLong",
    field,
    message: `Too long: may not be more than ${max} bytes`,
  };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return {
    reason: "FieldValueTooMany",
    field,
    message: `Too many: ${actual}: must have at most ${max} items`,
  };
}

export function forbidden(field: string, detail: string): FieldError {
  return { reason: "FieldValueForbidden", field, message: `Forbidden: ${detail}` };
}

export function typeInvalid(field: string, value: unknown, detail: string): FieldError {
  return {
    reason: "FieldValueTypeInvalid",
    field,
    message: `Invalid value: ${showValue(value)}: ${detail}`,
    blocking: true,
  };
}

/** The full text of one field error as it appears in a Status message. */
export function fieldErrorText(e: FieldError): string {
  return e.field ? `${e.field}: ${e.message}` : e.message;
}

/** A Kubernetes `Status` object (failure). */
export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: JsonObject;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason: string; message: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/** An error carrying the Status that the server sends back. */
export class ApiError extends Error {
  constructor(readonly status: StatusBody, readonly headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? "error");
  }
}

/** Identifies a resource for error messages: plural resource plus API group. */
export interface ResourceRef {
  group: string;
  resource: string;
  kind: string;
}

/** `gateways.gateway.networking.k8s.io` or `services` (the GroupResource string). */
export function qualifiedResource(r: ResourceRef): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** `Gateway.gateway.networking.k8s.io` or `Service` (the GroupKind string). */
export function qualifiedKind(r: ResourceRef): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

function details(r: ResourceRef, name: string, kind: string): NonNullable<StatusBody["details"]> {
  const d: NonNullable<StatusBody["details"]> = {};
  if (name) d.name = name;
  if (r.group) d.group = r.group;
  d.kind = kind;
  return d;
}

function failure(
  code: number,
  reason: string,
  message: string,
  det?: StatusBody["details"],
): StatusBody {
  // Field order as the apiserver serializes a Status.
  const s: StatusBody = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    ...(reason ? { reason } : {}),
    ...(det ? { details: det } : {}),
    code,
  };
  return s;
}

export function notFound(r: ResourceRef, name: string): ApiError {
  return new ApiError(
    failure(
      404,
      "NotFound",
      `${qualifiedResource(r)} "${name}" not found`,
      details(r, name, r.resource),
    ),
  );
}

/** 404 for a resource URL that names nothing servable (unknown plural, wrong scope). */
export function pageNotFound(): ApiError {
  return new ApiError(
    failure(404, "NotFound", "the server could not find the requested resource", {}),
  );
}

export function alreadyExists(r: ResourceRef, name: string): ApiError {
  return new ApiError(
    failure(
      409,
      "AlreadyExists",
      `${qualifiedResource(r)} "${name}" already exists`,
      details(r, name, r.resource),
    ),
  );
}

export function conflict(r: ResourceRef, name: string, detail: string): ApiError {
  return new ApiError(
    failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${detail}`,
      details(r, name, r.resource),
    ),
  );
}

/** The standard optimistic-concurrency conflict. */
export function staleConflict(r: ResourceRef, name: string): ApiError {
  return conflict(
    r,
    name,
    "the object has been modified; please apply your changes to the latest version and try again",
  );
}

/** 409 from server-side apply when fields are owned by other managers. */
export function applyConflict(
  conflicts: { manager: string; field: string }[],
): ApiError {
  const n = conflicts.length;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.manager) ?? [];
    list.push(c.field);
    byManager.set(c.manager, list);
  }
  let body: string;
  if (n === 1) {
    body = `conflict with ${conflicts[0].manager}: ${conflicts[0].field}`;
  } else {
    body = [...byManager.entries()]
      .map(([m, fields]) =>
        fields.length === 1
          ? `conflict with ${m}: ${fields[0]}`
          : `conflicts with ${m}:\n${fields.map((f) => `- ${f}`).join("\n")}`
      )
      .join("\n");
  }
  const message = `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: ${body}`;
  return new ApiError(
    failure(409, "Conflict", message, {
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with ${c.manager}`,
        field: c.field,
      })),
    }),
  );
}

/** 422 Invalid for an object, with one cause per field error. */
export function invalidObject(r: ResourceRef, name: string, errs: FieldError[]): ApiError {
  const texts = errs.map(fieldErrorText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  return new ApiError(
    failure(422, "Invalid", `${qualifiedKind(r)} "${name}" is invalid: ${joined}`, {
      ...details(r, name, r.kind),
      causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    }),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, "BadRequest", message));
}

export function unsupportedMediaType(message: string): ApiError {
  return new ApiError(failure(415, "UnsupportedMediaType", message));
}

export function methodNotSupported(r: ResourceRef, verb: string): ApiError {
  return new ApiError(
    failure(
      405,
      "MethodNotAllowed",
      `${verb} is not supported on resources of kind "${qualifiedResource(r)}"`,
      details(r, "", r.resource),
    ),
  );
}

export function forbiddenStatus(
  r: ResourceRef,
  name: string,
  user: string,
  verb: string,
  resource: string,
  namespace: string,
): ApiError {
  const scope = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
  const reasonText =
    `User "${user}" cannot ${verb} resource "${resource}" in API group "${r.group}" ${scope}`;
  const who = name ? `${qualifiedResource(r)} "${name}"` : qualifiedResource(r);
  return new ApiError(
    failure(403, "Forbidden", `${who} is forbidden: ${reasonText}`, details(r, name, r.resource)),
  );
}

export function unauthorized(): ApiError {
  return new ApiError(failure(401, "Unauthorized", "Unauthorized"));
}

export function internalError(message: string): ApiError {
  return new ApiError(failure(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ reason: "UnexpectedServerResponse", message }],
  }));
}

/** A Status for an arbitrary code, used by fault injection. */
export function statusFor(
  code: number,
  reason: string,
  message: string,
  det?: StatusBody["details"],
): StatusBody {
  return failure(code, reason, message, det);
}

/** The `Success` Status returned by DELETE for most resources. */
export function successStatus(r: ResourceRef, name: string, uid: string): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { ...details(r, name, r.resource), uid },
    code: 200,
  };
}

/** The 422 for bad PatchOptions (`force` on a non-apply patch, apply without fieldManager). */
export function invalidPatchOptions(errs: FieldError[]): ApiError {
  const texts = errs.map(fieldErrorText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  return new ApiError(
    failure(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: ${joined}`, {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    }),
  );
}
