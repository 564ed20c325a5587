/**
 * What a failure means for the unit: a Blocked message a person can act on, or null when a retry
 * of the hook can fix it (the API was unavailable). Pure: used by the decision for failures the
 * gather step met, and by the apply step for failures of its writes.
 */
import { HookToolError } from "../juju/errors.ts";
import { KubeError, TRUST_MESSAGE } from "../k8s/types.ts";

/** The hook must fail for Juju to retry it; the message already says what failed. */
export class RetryableError extends Error {
  override readonly name = "RetryableError";
}

/** Problems of different kinds as one message: each its own sentence (`a. b`), so that where
 * one ends and the next begins is clear. */
export function sentences(parts: readonly string[]): string {
  return parts.map((part, i) => (i < parts.length - 1 ? part.replace(/\.$/, "") : part))
    .join(". ");
}

export function truncated(message: string): string {
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}

/** `<Kind>/<name>: <field>: <message>` of a 422. */
export function rejectionDetail(error: KubeError): string {
  const cause = error.details.causes?.[0];
  const detail = cause ? `${cause.field}: ${cause.message}` : error.message;
  return `${error.details.object ?? "an object"}: ${detail}`;
}

export function blockedMessageFor(error: KubeError): string | null {
  switch (error.kind) {
    case "forbidden":
      return TRUST_MESSAGE;
    case "config":
      return `Kubernetes API not configured: ${error.message}`;
    case "conflict":
      return error.details.reason === "AlreadyExists" ? error.message : null;
    case "invalid":
      return truncated(`Kubernetes rejected ${rejectionDetail(error)}`);
    case "not-found":
      return error.details.object === "gatewayclasses"
        ? "Gateway API is not installed in the cluster (no gatewayclasses.gateway.networking.k8s.io)"
        : null;
    default:
      return null;
  }
}

/** One line for logs: which tool or API call failed, and why. */
export function describeError(error: unknown): string {
  if (error instanceof RetryableError) return error.message;
  if (error instanceof HookToolError) {
    return `${error.tool} failed (${error.kind}): ${error.message}`;
  }
  if (error instanceof KubeError) {
    const where = error.details.object
      ? ` ${error.details.verb ?? ""} ${error.details.object}`.trimEnd()
      : "";
    return `Kubernetes API error (${error.kind}${where}): ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
