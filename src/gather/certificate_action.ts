/**
 * The get-certificate action's reads: its parameters, the certificates relation and what the
 * provider published there. Kept apart from the reconcile's gather step, which a run of this
 * action does not load (`src/get_certificate.ts`).
 */
import type { HookContext } from "../juju/context.ts";
import type { HookTools } from "../juju/tools.ts";
import type { CertificateActionWorld } from "../world.ts";
import { ENDPOINTS, liveRelations, remoteApp } from "./relation_refs.ts";

export async function gatherCertificateAction(
  ctx: HookContext,
  tools: HookTools,
): Promise<CertificateActionWorld> {
  // The parameters, the relation and the certificate code at once.
  const tls = import("./tls.ts");
  tls.catch(() => {});
  const [params, relations] = await Promise.all([
    tools.actionGet(),
    liveRelations(tools, ctx.event, ENDPOINTS.certificates),
  ]);
  const hostname = typeof params.hostname === "string" ? params.hostname : "";
  const relation = relations[0];
  if (!relation) return { kind: "get-certificate", hostname, provided: null, warnings: [] };
  const [{ readProvidedForAction }, provider] = await Promise.all([
    tls,
    remoteApp(tools, ctx.event, relation),
  ]);
  return {
    kind: "get-certificate",
    hostname,
    ...(await readProvidedForAction(tools, relation, provider)),
  };
}
