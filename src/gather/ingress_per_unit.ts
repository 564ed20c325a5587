/**
 * Reading the ingress-per-unit relations: every remote unit's databag (parsed one by one, so a
 * bad unit is skipped alone) and our application databag with the URLs it publishes. A unit
 * that has departed is no longer in `relation-list`, so it is simply not read.
 */
import { parsePerUnitDataOrError, parseUnitUrls, unitApp } from "../interfaces/ingress_per_unit.ts";
import type { JujuEvent } from "../juju/context.ts";
import type { HookTools, RelationRef } from "../juju/tools.ts";
import type { PerUnitEntry, PerUnitRequirer } from "../world.ts";
import { ifPresent, remoteApp } from "./relations.ts";

async function readRequirer(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  ownModel: string,
  relation: RelationRef,
): Promise<PerUnitRequirer | null> {
  return await ifPresent(async () => {
    const [units, ownData] = await Promise.all([
      tools.relationUnits(relation),
      tools.relationGet(relation, ownApp, true),
    ]);
    const app = units.length > 0 && !(event.kind === "relation" && event.relationId === relation.id)
      ? unitApp(units[0])
      : await remoteApp(tools, event, relation);
    const bags = await Promise.all(units.map((unit) => tools.relationGet(relation, unit, false)));
    const entries: PerUnitEntry[] = units.map((unit, i) => parsePerUnitDataOrError(unit, bags[i]))
      .sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
    // The library's `validate`: units that name different models withdraw the whole relation.
    const models = [...new Set(entries.flatMap((entry) => entry.request?.model ?? []))].sort();
    // Its units' pods are selected in our namespace: units of another model cannot be reached.
    const error = models.length > 1
      ? `its units name different models (${models.join(", ")})`
      : models.length === 1 && models[0] !== ownModel
      ? `its units are in model ${
        models[0]
      }: per-unit ingress serves units of model ${ownModel} only`
      : null;
    const current = ownData.ingress === undefined || ownData.ingress === ""
      ? undefined
      : ownData.ingress;
    return { relation, app, units: entries, error, current, currentUrls: parseUnitUrls(current) };
  });
}

/** Every ingress-per-unit requirer, in relation order. */
export async function readPerUnitRequirers(
  tools: HookTools,
  event: JujuEvent,
  ownApp: string,
  ownModel: string,
  relations: readonly RelationRef[],
): Promise<PerUnitRequirer[]> {
  const read = await Promise.all(
    relations.map((relation) => readRequirer(tools, event, ownApp, ownModel, relation)),
  );
  return read.filter((requirer) => requirer !== null);
}
