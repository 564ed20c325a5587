/**
 * The charm: decides what each event does and runs the one reconcile (gather → decide → report).
 * This is the only module that knows the order of things.
 */
import { parseConfig } from "./config.ts";
import type { HookContext, JujuEvent } from "./juju/context.ts";
import { HookToolError } from "./juju/errors.ts";
import type { HookTools, RelationRef } from "./juju/tools.ts";
import { type Integrations, MESSAGES, validate } from "./validation.ts";

export const ENDPOINTS = {
  ingress: "gateway",
  gatewayRoute: "gateway-route",
  certificates: "certificates",
  dnsRecord: "dns-record",
} as const;

/** Exit codes: 0 done (even when blocked), 1 failed in a way a retry of the hook can fix. */
export type ExitCode = 0 | 1;

/** Events that run the reconcile. `stop` and `remove` do not; unknown hooks are ignored. */
function reconciles(event: JujuEvent): boolean {
  switch (event.kind) {
    case "lifecycle":
      return event.hook !== "stop" && event.hook !== "remove";
    case "relation":
      return true;
    case "secret":
      return event.phase === "changed";
    default:
      return false;
  }
}

/** Relations of an endpoint, leaving out the one whose `-broken` hook is running. */
async function liveRelations(
  tools: HookTools,
  event: JujuEvent,
  endpoint: string,
): Promise<RelationRef[]> {
  const relations = await tools.relationIds(endpoint);
  if (event.kind === "relation" && event.phase === "broken" && event.endpoint === endpoint) {
    return relations.filter((relation) => relation.id !== event.relationId);
  }
  return relations;
}

async function gatherIntegrations(tools: HookTools, event: JujuEvent): Promise<Integrations> {
  const [ingress, gatewayRoute, certificates] = await Promise.all([
    liveRelations(tools, event, ENDPOINTS.ingress),
    liveRelations(tools, event, ENDPOINTS.gatewayRoute),
    liveRelations(tools, event, ENDPOINTS.certificates),
  ]);
  return {
    ingress: ingress.length > 0,
    gatewayRoute: gatewayRoute.length > 0,
    certificates: certificates.length > 0,
  };
}

/** One holistic pass: read everything, decide, report a status. */
export async function reconcile(ctx: HookContext, tools: HookTools): Promise<void> {
  if (!(await tools.isLeader())) {
    await tools.statusSet("blocked", MESSAGES.notLeader);
    return;
  }
  const config = parseConfig(await tools.configGet());
  if ("message" in config) {
    await tools.statusSet("blocked", config.message);
    return;
  }
  const integrations = await gatherIntegrations(tools, ctx.event);
  const problem = validate(config, integrations);
  if (problem !== null) {
    await tools.statusSet("blocked", problem);
    return;
  }
  // The Kubernetes reconcilers (Gateway, routes, Services, Secrets) come next; until they exist
  // the charm says plainly that it has nothing applied.
  await tools.statusSet("waiting", "Kubernetes resources are not managed by this version yet");
}

async function getCertificateAction(ctx: HookContext, tools: HookTools): Promise<void> {
  const params = await tools.actionGet();
  const hostname = typeof params.hostname === "string" ? params.hostname : "";
  const certificates = await liveRelations(tools, ctx.event, ENDPOINTS.certificates);
  if (certificates.length === 0) {
    await tools.actionFail("Certificate relation not ready.");
    return;
  }
  // Reading issued certificates arrives with TLS support; until then say so instead of guessing.
  await tools.actionFail(`Certificate lookup for ${hostname} is not supported by this version yet`);
}

async function runAction(ctx: HookContext, tools: HookTools, name: string): Promise<void> {
  switch (name) {
    case "get-certificate":
      return await getCertificateAction(ctx, tools);
    default:
      await tools.actionFail(`Unknown action: ${name}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof HookToolError) {
    return `${error.tool} failed (${error.kind}): ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs the event. Any failure is logged and makes the hook fail so that Juju retries it. */
export async function handleEvent(ctx: HookContext, tools: HookTools): Promise<ExitCode> {
  const { event } = ctx;
  try {
    if (event.kind === "action") {
      await runAction(ctx, tools, event.name);
    } else if (reconciles(event)) {
      await reconcile(ctx, tools);
    }
    return 0;
  } catch (error) {
    const message = `${"hook" in event ? event.hook : event.name} failed: ${describe(error)}`;
    console.error(message);
    await tools.log("ERROR", message).catch(() => {});
    return 1;
  }
}
