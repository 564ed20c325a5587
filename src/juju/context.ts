/**
 * The hook context: which event Juju is running and for which unit, parsed once from the
 * environment Juju builds for the hook. `JUJU_DISPATCH_PATH` is authoritative for the event.
 */
import * as z from "zod/mini";
import "../zod_en.ts";

export const RELATION_PHASES = ["created", "joined", "changed", "departed", "broken"] as const;
export type RelationPhase = (typeof RELATION_PHASES)[number];
export const SECRET_PHASES = ["changed", "rotate", "expired", "remove"] as const;
export type SecretPhase = (typeof SECRET_PHASES)[number];

/** Lifecycle hooks the charm knows by name. Anything else that is not a relation, secret or
 * action event is an `other` event (storage, Pebble, metrics, or a hook from a newer Juju). */
export const LIFECYCLE_HOOKS = [
  "install",
  "start",
  "stop",
  "remove",
  "config-changed",
  "update-status",
  "upgrade-charm",
  "leader-elected",
  "leader-settings-changed",
] as const;
export type LifecycleHook = (typeof LIFECYCLE_HOOKS)[number];

export type JujuEvent =
  | { readonly kind: "lifecycle"; readonly hook: LifecycleHook }
  | {
    readonly kind: "relation";
    readonly hook: string;
    readonly endpoint: string;
    readonly phase: RelationPhase;
    readonly relationId: number;
    readonly remoteApp: string;
    /** Empty for created/broken and for changes of the remote application databag. */
    readonly remoteUnit: string | null;
    readonly departingUnit: string | null;
  }
  | {
    readonly kind: "secret";
    readonly hook: string;
    readonly phase: SecretPhase;
    readonly secretId: string;
    readonly label: string | null;
    readonly revision: number | null;
  }
  | { readonly kind: "action"; readonly name: string; readonly id: string }
  | { readonly kind: "other"; readonly hook: string };

export interface HookContext {
  readonly event: JujuEvent;
  readonly unitName: string;
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly jujuVersion: string;
  readonly charmDir: string;
}

/** The environment is not one Juju would build: running the charm makes no sense. */
export class ContextError extends Error {
  override readonly name = "ContextError";
}

const required = (name: string) =>
  z.string({ error: `${name} is not set` }).check(z.minLength(1, { error: `${name} is empty` }));

const stringOr = (fallback: string) => z._default(z.string(), fallback);

const baseEnv = z.object({
  JUJU_DISPATCH_PATH: required("JUJU_DISPATCH_PATH"),
  JUJU_UNIT_NAME: required("JUJU_UNIT_NAME").check(z.regex(/^[a-z][a-z0-9-]*\/\d+$/, {
    error: "JUJU_UNIT_NAME is not a unit name",
  })),
  JUJU_MODEL_NAME: required("JUJU_MODEL_NAME"),
  JUJU_MODEL_UUID: stringOr(""),
  JUJU_VERSION: stringOr("0.0.0"),
  JUJU_CHARM_DIR: z.optional(z.string()),
});

const relationEnv = z.object({
  JUJU_RELATION: required("JUJU_RELATION"),
  JUJU_RELATION_ID: required("JUJU_RELATION_ID"),
  JUJU_REMOTE_APP: stringOr(""),
  JUJU_REMOTE_UNIT: stringOr(""),
  JUJU_DEPARTING_UNIT: stringOr(""),
});

const secretEnv = z.object({
  JUJU_SECRET_ID: required("JUJU_SECRET_ID"),
  JUJU_SECRET_LABEL: stringOr(""),
  JUJU_SECRET_REVISION: z._default(z.string().check(z.regex(/^\d*$/)), ""),
});

const actionEnv = z.object({
  JUJU_ACTION_NAME: stringOr(""),
  JUJU_ACTION_UUID: required("JUJU_ACTION_UUID"),
});

const RELATION_HOOK = new RegExp(`^(.+)-relation-(${RELATION_PHASES.join("|")})$`);
const SECRET_HOOK = new RegExp(`^secret-(${SECRET_PHASES.join("|")})$`);

function parse<T>(schema: z.ZodMiniType<T>, env: Record<string, string | undefined>): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ContextError(result.error.issues.map((issue) => issue.message).join("; "));
  }
  return result.data;
}

/** A relation id as Juju gives it: `<endpoint>:<id>` or a bare number; the number counts. */
export function parseRelationId(value: string): number | null {
  const match = /(?:^|:)(\d+)$/.exec(value);
  return match ? Number(match[1]) : null;
}

function parseEvent(dispatchPath: string, env: Record<string, string | undefined>): JujuEvent {
  const slash = dispatchPath.lastIndexOf("/");
  const location = slash < 0 ? "hooks" : dispatchPath.slice(0, slash);
  const name = dispatchPath.slice(slash + 1);
  if (location === "actions") {
    const action = parse(actionEnv, env);
    return { kind: "action", name, id: action.JUJU_ACTION_UUID };
  }
  const relation = RELATION_HOOK.exec(name);
  if (relation) {
    const vars = parse(relationEnv, env);
    const relationId = parseRelationId(vars.JUJU_RELATION_ID);
    if (relationId === null) {
      throw new ContextError(`JUJU_RELATION_ID is not a relation id: ${vars.JUJU_RELATION_ID}`);
    }
    return {
      kind: "relation",
      hook: name,
      endpoint: relation[1],
      phase: relation[2] as RelationPhase,
      relationId,
      remoteApp: vars.JUJU_REMOTE_APP,
      remoteUnit: vars.JUJU_REMOTE_UNIT || null,
      departingUnit: vars.JUJU_DEPARTING_UNIT || null,
    };
  }
  const secret = SECRET_HOOK.exec(name);
  if (secret) {
    const vars = parse(secretEnv, env);
    return {
      kind: "secret",
      hook: name,
      phase: secret[1] as SecretPhase,
      secretId: vars.JUJU_SECRET_ID,
      label: vars.JUJU_SECRET_LABEL || null,
      revision: vars.JUJU_SECRET_REVISION ? Number(vars.JUJU_SECRET_REVISION) : null,
    };
  }
  if ((LIFECYCLE_HOOKS as readonly string[]).includes(name)) {
    return { kind: "lifecycle", hook: name as LifecycleHook };
  }
  return { kind: "other", hook: name };
}

/** Reads the hook context from an environment (normally `Deno.env.toObject()`). */
export function readContext(env: Record<string, string | undefined>, cwd: string): HookContext {
  const base = parse(baseEnv, env);
  const unitName = base.JUJU_UNIT_NAME;
  return {
    event: parseEvent(base.JUJU_DISPATCH_PATH, env),
    unitName,
    appName: unitName.slice(0, unitName.indexOf("/")),
    modelName: base.JUJU_MODEL_NAME,
    modelUuid: base.JUJU_MODEL_UUID,
    jujuVersion: base.JUJU_VERSION,
    charmDir: base.JUJU_CHARM_DIR || cwd,
  };
}
