/**
 * Reading the traefik-route relations: each requirer's application databag (its Traefik dynamic
 * and static configuration, YAML), its units, and our application databag. The YAML parser is
 * loaded only when there is such a relation.
 */
import {
  parseTraefikRouteRequest,
  TraefikRouteDataError,
  type YamlParser,
} from "../interfaces/traefik_route.ts";
import type { JujuEvent } from "../juju/context.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import type { TraefikRouteRequirer } from "../world.ts";
import { ifPresent, remoteApp } from "./relations.ts";

async function yamlParser(): Promise<YamlParser> {
  const yaml = await import("yaml");
  // Bundled, this CommonJS package's dynamic chunk has only a default export (its exports).
  const parse = yaml.parse ?? yaml.default.parse;
  // As Python's yaml.safe_load reads it (traefik-k8s): a repeated key is the last one; `<<` merges.
  return (text) => parse(text, { uniqueKeys: false, merge: true, maxAliasCount: 100 });
}

/** Every traefik-route requirer, in relation order. */
export async function readTraefikRouteRequirers(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  relations: readonly RelationRef[],
): Promise<TraefikRouteRequirer[]> {
  if (relations.length === 0) return [];
  const parse = await yamlParser();
  const read = await Promise.all(
    relations.map((relation) =>
      ifPresent(async (): Promise<TraefikRouteRequirer> => {
        const [app, current, units] = await Promise.all([
          remoteApp(tools, event, relation),
          tools.relationGet(relation, ownApp, true),
          tools.relationUnits(relation),
        ]);
        const data = await tools.relationGet(relation, app, true);
        const base = { relation, app, units, current };
        try {
          return { ...base, request: parseTraefikRouteRequest(data, parse), error: null };
        } catch (error) {
          if (!(error instanceof TraefikRouteDataError)) throw error;
          return { ...base, request: null, error: error.incomplete ? null : error.message };
        }
      })
    ),
  );
  return read.filter((requirer) => requirer !== null);
}
