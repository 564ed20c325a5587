/**
 * Runs a charm black-box the way Juju does: its `dispatch` as a fresh process with Juju's
 * environment and the fake hook tools first on PATH, talking to a FakeJuju over the agent socket.
 */

import { FakeJuju } from "./juju/fake_juju.ts";
import { startToolServer, type ToolServer } from "./juju/server.ts";
import {
  type CharmMeta,
  checkConsistency,
  type HookEvent,
  hookName,
  type HookResult,
  type JujuState,
  loadCharmMeta,
  unitName,
} from "./juju/state.ts";
import { extractZip } from "./zip.ts";

/** Options of one hook run. */
export interface RunHookOptions {
  /** Extra environment variables (for example KUBERNETES_SERVICE_HOST). */
  env?: Record<string, string>;
  /** Measure the peak RSS of the dispatch process with /usr/bin/time, when it exists. */
  measureMemory?: boolean;
  /** Kill the hook after this long (default 60 s); it then counts as failed. */
  timeoutMs?: number;
  /** Reuse a running tool server (e.g. in benchmarks); by default each run has its own. */
  server?: ToolServer;
}

/** The hook-tool names the fake serves; each is a link to hook-tool.sh. */
export const HOOK_TOOLS = [
  "action-fail",
  "action-get",
  "action-log",
  "action-set",
  "application-version-set",
  "close-port",
  "config-get",
  "goal-state",
  "is-leader",
  "juju-log",
  "network-get",
  "open-port",
  "opened-ports",
  "relation-get",
  "relation-ids",
  "relation-list",
  "relation-model-get",
  "relation-set",
  "secret-add",
  "secret-get",
  "secret-grant",
  "secret-ids",
  "secret-info-get",
  "secret-remove",
  "secret-revoke",
  "secret-set",
  "state-delete",
  "state-get",
  "state-set",
  "status-get",
  "status-set",
] as const;

const TIME = "/usr/bin/time";
const DEFAULT_TIMEOUT_MS = 60_000;
const decoder = new TextDecoder();

const metaCache = new Map<string, CharmMeta>();
let toolsDir: string | undefined;
let unpacked: Promise<string> | undefined;

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The per-process directory of hook tools: one script, linked under every tool name. */
export function hookToolsDir(): string {
  if (toolsDir) return toolsDir;
  const dir = Deno.makeTempDirSync({ prefix: "fake-juju-tools-" });
  const script = `${dir}/hook-tool`;
  Deno.writeTextFileSync(
    script,
    Deno.readTextFileSync(new URL("./juju/hook-tool.sh", import.meta.url)),
  );
  Deno.chmodSync(script, 0o755);
  for (const tool of HOOK_TOOLS) Deno.symlinkSync("hook-tool", `${dir}/${tool}`);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort: the OS cleans temp dirs eventually.
    }
  });
  toolsDir = dir;
  return dir;
}

/** Kills a process and its descendants (found through /proc), children first. */
function killTree(pid: number): void {
  let tasks: string[] = [];
  try {
    tasks = [...Deno.readDirSync(`/proc/${pid}/task`)].map((t) => t.name);
  } catch {
    // Not Linux, or already gone: kill what we know.
  }
  for (const task of tasks) {
    let children = "";
    try {
      children = Deno.readTextFileSync(`/proc/${pid}/task/${task}/children`);
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/).filter((c) => c !== "")) {
      killTree(Number(child));
    }
  }
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // Already exited.
  }
}

function contextId(unit: string, hook: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${unit}-${hook || "action"}-${random[0]}${random[1]}`;
}

/** Runs one event against the unpacked charm in `charmDir` and reports what Juju would record. */
export async function runHook(
  charmDir: string,
  state: JujuState,
  event: HookEvent,
  options: RunHookOptions = {},
): Promise<HookResult> {
  const dir = absolute(charmDir);
  let meta = metaCache.get(dir);
  if (!meta) {
    meta = loadCharmMeta(dir);
    metaCache.set(dir, meta);
  }
  checkConsistency(meta, state, event);
  const fake = new FakeJuju(meta, state, event);
  const tools = hookToolsDir();
  const server = options.server ?? startToolServer();
  const id = contextId(unitName(meta, state), hookName(state, event));
  server.register(id, fake);
  try {
    const env = fake.env({
      charmDir: dir,
      contextId: id,
      socketAddress: server.address,
      toolsDir: tools,
      extra: options.env,
    });
    const dispatch = `${dir}/dispatch`;
    const info = Deno.statSync(dispatch);
    if (!info.isFile || ((info.mode ?? 0o755) & 0o111) === 0) {
      throw new Error(`${dispatch} is not an executable file`);
    }
    let rssFile: string | undefined;
    let command = dispatch;
    let args: string[] = [];
    if (options.measureMemory && exists(TIME)) {
      rssFile = Deno.makeTempFileSync({ prefix: "fake-juju-rss-" });
      command = TIME;
      args = ["-f", "%M", "-o", rssFile, dispatch];
    }
    const started = performance.now();
    const child = new Deno.Command(command, {
      args,
      cwd: dir,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole tree: under /usr/bin/time, or when the hook forked, killing only the direct
      // child would leave a process holding the output pipes open.
      killTree(child.pid);
    }, timeoutMs);
    let output: Deno.CommandOutput;
    try {
      output = await child.output();
    } finally {
      clearTimeout(timer);
    }
    const durationMs = performance.now() - started;
    let stderr = decoder.decode(output.stderr);
    let code = output.code;
    if (output.signal !== null) code = code || 128 + (output.signal === "SIGKILL" ? 9 : 15);
    if (timedOut) stderr += `fake-juju: hook killed after ${timeoutMs} ms\n`;
    let peakRssKb: number | undefined;
    if (rssFile) {
      // GNU time may write "Command exited with non-zero status N" before the number.
      const lines = Deno.readTextFileSync(rssFile).trim().split("\n");
      const kb = Number(lines[lines.length - 1]);
      if (Number.isFinite(kb) && kb > 0) peakRssKb = kb;
      Deno.removeSync(rssFile);
    }
    const result = fake.finish(code, decoder.decode(output.stdout), stderr);
    return { ...result, durationMs, ...(peakRssKb !== undefined ? { peakRssKb } : {}) };
  } finally {
    server.unregister(id);
    if (!options.server) await server.close();
  }
}

/** The packed charm: `$CHARM_FILE` if set, else `gateway-api-integrator_amd64.charm` at the repo root. */
export function charmFilePath(): string {
  const override = Deno.env.get("CHARM_FILE");
  if (override) return absolute(override);
  // This file is tests/harness/runner.ts: the repository root is two levels up.
  const root = decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(/\/$/, "");
  return `${root}/gateway-api-integrator_amd64.charm`;
}

/** Unpacks a `.charm` into a new temp dir (removed when the process exits) and returns the dir. */
export async function unpackCharm(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`packed charm not found at ${path}: run "deno task pack" first`);
    }
    throw err;
  }
  const dir = await Deno.makeTempDir({ prefix: "fake-juju-charm-" });
  extractZip(bytes, dir);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort.
    }
  });
  return dir;
}

/** The packed charm, unpacked once per process (see {@link charmFilePath}). */
export function packedCharmDir(): Promise<string> {
  if (!unpacked) {
    const attempt = unpackCharm(charmFilePath());
    unpacked = attempt;
    // A failed unpack is not cached, so a later call after packing can succeed.
    attempt.catch(() => {
      if (unpacked === attempt) unpacked = undefined;
    });
  }
  return unpacked;
}
