/** Named failures of hook tools, mapped from Juju's exit codes and error texts. */

export type HookToolErrorKind =
  | "relation-not-found"
  | "secret-not-found"
  | "permission-denied"
  | "other";

/** A hook tool failed. `message` is Juju's own text (without the `ERROR ` prefix). */
export class HookToolError extends Error {
  override readonly name = "HookToolError";
  constructor(
    readonly kind: HookToolErrorKind,
    readonly tool: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Classifies a failed tool call the way ops does: by tool family and Juju's message. */
export function classifyToolFailure(tool: string, code: number, stderr: string): HookToolError {
  const message = stderr.trim().replace(/^ERROR\s+/, "") || `${tool} exited with code ${code}`;
  const lower = message.toLowerCase();
  let kind: HookToolErrorKind = "other";
  if (
    (tool.startsWith("relation-") || tool.startsWith("network-")) &&
    lower.includes("relation not found")
  ) {
    kind = "relation-not-found";
  } else if (tool.startsWith("secret-") && lower.includes("not found")) {
    kind = "secret-not-found";
  } else if (
    lower.includes("permission denied") || lower.includes("not the leader") ||
    lower.includes("cannot write relation settings") || lower.includes("access denied")
  ) {
    kind = "permission-denied";
  }
  return new HookToolError(kind, tool, code, message);
}
