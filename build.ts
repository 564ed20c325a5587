/**
 * Builds the charm executable and packs the `.charm`.
 *
 *   deno run -A build.ts build [--target x86_64|aarch64] [--out DIR] [--form compile|bundle]
 *   deno run -A build.ts pack  [--target x86_64|aarch64] [--out DIR] [--form compile|bundle]
 *
 * `charm/` holds what is packed verbatim (the `dispatch` launcher, `LICENSE`, `icon.svg`); the
 * build writes the program under `<out>/bin/` (by default `charm/bin/`, the only ignored part).
 * The program is one `deno compile`d executable when Deno's compile runtime (`denort`) is
 * available: named by DENORT_BIN, already cached, or downloadable. Where it is not (our build
 * machines reach only the npm registry), the same program is bundled into JavaScript (an entry
 * file and the chunks it imports dynamically) run by a shipped Deno binary: the one running this
 * build, or for another architecture Deno's own Linux build from npm, pinned in deno.json and
 * deno.lock. Either way Juju runs `dispatch`, which starts whichever is there, so nothing else
 * cares which form was built.
 */
import { deflateRawSync } from "node:zlib";
import { parse, stringify } from "yaml";

const ROOT = new URL(".", import.meta.url).pathname;
const ENTRY = `${ROOT}src/main.ts`;
/** The verbatim part of the charm, packed as it is. */
export const CHARM_DIR = `${ROOT}charm`;
export const BUNDLE_NAME = "gateway-api-integrator.js";
export const EXECUTABLE_NAME = "gateway-api-integrator";

/** The hook tools the charm runs: the only programs it may start. */
export const HOOK_TOOLS = [
  "action-fail",
  "action-get",
  "action-log",
  "action-set",
  "application-version-set",
  "config-get",
  "goal-state",
  "is-leader",
  "juju-log",
  "network-get",
  "relation-get",
  "relation-ids",
  "relation-list",
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
];

/** What the compiled charm may do: run the hook tools, read its context, talk to the Kubernetes
 * API, write temporary files (secret contents are handed to Juju through files). A compiled
 * executable's permissions are fixed when it is built, so reads, writes and the network cannot
 * be narrowed to this hook's paths and API server; the bundle form's launcher (`charm/dispatch`)
 * narrows them at every hook. */
export const PERMISSIONS = [
  "--allow-env",
  "--allow-read",
  "--allow-write",
  `--allow-run=${HOOK_TOOLS.join(",")}`,
  "--allow-net",
];

/** V8 flags of both forms (the launcher passes the same, checked by a test). A hook is a process
 * of about 100 ms: code that would run long enough for a JIT tier to pay off never does, so V8
 * interprets JavaScript only and favours memory over speed. `--jitless` or `--lite-mode` would
 * save as much but also remove WebAssembly, which the client-node transport's HTTP parser needs.
 * Measured A/B on the same Deno binary: 2-4 MiB less peak RSS per reconcile, no hook slower. */
export const V8_FLAGS = "--optimize-for-size,--no-sparkplug,--no-maglev,--no-turbofan";

/** Per architecture: the compile target, Juju's platform name and Deno's npm package for Linux. */
const TARGETS = {
  x86_64: { triple: "x86_64-unknown-linux-gnu", platform: "amd64", denoPackage: "linux-x64-glibc" },
  aarch64: {
    triple: "aarch64-unknown-linux-gnu",
    platform: "arm64",
    denoPackage: "linux-arm64-glibc",
  },
} as const;
type Arch = keyof typeof TARGETS;
type Form = "compile" | "bundle";

interface Options {
  command: "build" | "pack";
  arch: Arch;
  out: string;
  form?: Form;
}

function fail(message: string): never {
  console.error(`build.ts: ${message}`);
  Deno.exit(1);
}

function parseArgs(args: string[]): Options {
  const [command, ...rest] = args;
  if (command !== "build" && command !== "pack") {
    fail(
      `usage: build.ts build|pack [--target x86_64|aarch64] [--out DIR] [--form compile|bundle]`,
    );
  }
  const options: Options = { command, arch: hostArch(), out: CHARM_DIR };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === "--target") {
      // Rust triples or charmcraft's platform names ($CRAFT_ARCH_BUILD_FOR).
      const arch = value.startsWith("aarch64") || value === "arm64"
        ? "aarch64"
        : value.startsWith("x86_64") || value === "amd64"
        ? "x86_64"
        : null;
      if (arch === null) fail(`unknown target ${value}: use x86_64 (amd64) or aarch64 (arm64)`);
      options.arch = arch;
    } else if (flag === "--out") {
      options.out = value.replace(/\/+$/, "");
    } else if (flag === "--form") {
      if (value !== "compile" && value !== "bundle") {
        fail(`unknown form ${value}: use compile or bundle`);
      }
      options.form = value;
    } else {
      fail(`unknown option ${flag}`);
    }
  }
  return options;
}

function hostArch(): Arch {
  return Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
}

async function deno(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    ok: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Where `deno compile` caches the runtime it downloads for a target. */
async function cachedRuntime(triple: string): Promise<string | null> {
  const info = await deno(["info", "--json"]);
  const denoDir = info.ok ? (JSON.parse(info.stdout).denoDir as string) : null;
  if (!denoDir) return null;
  const path = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${triple}.zip`;
  return (await exists(path)) ? path : null;
}

/** Compiles the executable; returns null (with the reason) when no compile runtime can be had. */
async function compile(options: Options, target: string): Promise<string | null> {
  const triple = TARGETS[options.arch].triple;
  const args = [
    "compile",
    "--no-check",
    "--target",
    triple,
    "--output",
    target,
    ...PERMISSIONS,
    `--v8-flags=${V8_FLAGS}`,
    ENTRY,
  ];
  const result = await deno(args);
  if (result.ok) return null;
  // Deno says "Setting up base binary" when it cannot obtain denort (no cache, no download).
  if (/Setting up base binary|denort/i.test(result.stderr)) {
    const causes = result.stderr.split("\n").map((line) => line.trim())
      .filter((line) => /^\d+: /.test(line) && !line.includes("<unknown>"));
    const cause = causes.at(-1)?.replace(/^\d+: /, "");
    return `deno compile could not obtain denort (${cause ?? "no detail"})`;
  }
  fail(`deno compile failed:\n${result.stderr}`);
}

/**
 * A chunk without its bare import of the bundler's CommonJS interop chunk (`__require` made
 * with `node:module`'s createRequire, for the CommonJS packages in the lazily loaded chunks).
 * The bundler adds that import to the entry and to chunks that use none of it; loading
 * `node:module` costs about 20 ms. The chunks that do use it import its bindings themselves.
 */
export async function withoutEagerInterop(source: string, dir: string): Promise<string> {
  let text = source;
  for (const [statement, chunk] of source.matchAll(/import\s*"\.\/(chunk-[\w-]+\.js)";/g)) {
    const source = await Deno.readTextFile(`${dir}/${chunk}`);
    const interopOnly = source.includes('from "node:module"') &&
      /export\s*\{[^}]*\};?\s*$/.test(source) && source.length < 4096;
    if (interopOnly) text = text.replace(statement, "");
  }
  return text;
}

/**
 * A chunk whose imports of other chunks by `import()` are opaque to Deno's module graph. At start
 * `deno run` reads and analyses every module the entry can reach, through statically analysable
 * dynamic imports as well: every hook would read the 1.4 MB client-node chunk, the YAML parser
 * and the TLS code before running a line, for about 5 ms and 2.5 MiB. A specifier that is an
 * expression is resolved only when the import runs, relative to the importing chunk as before.
 */
export function withLazyChunkImports(source: string): string {
  return source.replace(/\bimport\((["'])(\.\/[\w.-]+\.js)\1\)/g, 'import("$2"+"")');
}

/** Deno's own Linux binary for an architecture, from npm at the version deno.json pins (the
 * lockfile checks its integrity). Returns its path in Deno's npm cache. */
async function denoBinaryFromNpm(arch: Arch): Promise<string> {
  const name = `@deno/${TARGETS[arch].denoPackage}`;
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    imports?: Record<string, string>;
  };
  const specifier = config.imports?.[name];
  if (!specifier) fail(`deno.json does not pin ${name}: cannot ship Deno for ${arch}`);
  const version = specifier.slice(specifier.lastIndexOf("@") + 1);
  if (version !== Deno.version.deno) {
    fail(
      `deno.json pins ${name} ${version} but this build runs Deno ${Deno.version.deno}: ` +
        `the bundle must run on the Deno version that built it`,
    );
  }
  const info = await deno(["info", "--json", specifier]);
  if (!info.ok) fail(`cannot fetch ${specifier}:\n${info.stderr}`);
  const packages = (JSON.parse(info.stdout) as {
    npmPackages?: Record<string, { localPath?: string }>;
  }).npmPackages ?? {};
  const local = packages[`${name}@${version}`]?.localPath;
  if (!local || !(await exists(`${local}/deno`))) fail(`${specifier} holds no deno binary`);
  return `${local}/deno`;
}

/** The bundle form: the program as JavaScript (an entry and the chunks it imports), and a Deno
 * binary for the target to run it. Returns where that binary came from. */
async function bundle(options: Options): Promise<string> {
  await Deno.mkdir(`${options.out}/bin`, { recursive: true });
  // Split at the dynamic imports: a hook loads only the modules it uses. client-node (with the
  // `node:` built-ins it pulls in) is needed only for kubeconfigs with auth plugins, and the YAML
  // parser only for a YAML kubeconfig; in one file every hook would evaluate them.
  const result = await deno([
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--minify",
    "--code-splitting",
    "--outdir",
    `${options.out}/bin`,
    ENTRY,
  ]);
  if (!result.ok) fail(`deno bundle failed:\n${result.stderr}`);
  // The entry is named after its source; chunks import each other, never the entry.
  const entry = `${options.out}/bin/${BUNDLE_NAME}`;
  await Deno.rename(`${options.out}/bin/main.js`, entry);
  // The bundler adds the bare interop import to the lazily loaded chunks too (the Kubernetes
  // client's, the TLS ones'): about 20 ms more for every hook that loads one. And Deno would
  // read every chunk at start unless the imports between them are opaque to its module graph.
  for await (const file of Deno.readDir(`${options.out}/bin`)) {
    if (!file.isFile || !file.name.endsWith(".js")) continue;
    const path = `${options.out}/bin/${file.name}`;
    const text = await Deno.readTextFile(path);
    const trimmed = withLazyChunkImports(await withoutEagerInterop(text, `${options.out}/bin`));
    if (trimmed !== text) await Deno.writeTextFile(path, trimmed);
  }
  const foreign = options.arch !== hostArch();
  const runtime = foreign ? await denoBinaryFromNpm(options.arch) : Deno.execPath();
  await Deno.copyFile(runtime, `${options.out}/bin/deno`);
  await Deno.chmod(`${options.out}/bin/deno`, 0o755);
  return foreign
    ? `Deno ${Deno.version.deno} for ${options.arch} from npm:@deno/${
      TARGETS[options.arch].denoPackage
    }`
    : `the Deno ${Deno.version.deno} that built it`;
}

/** Copies the verbatim files of `charm/` into an output folder elsewhere (charmcraft's part
 * install directory, a test's folder); `bin/` there is the build's own. */
async function copyCharmFiles(out: string): Promise<void> {
  if ((await Deno.realPath(out)) === (await Deno.realPath(CHARM_DIR))) return;
  for (const name of await listFiles(CHARM_DIR)) {
    if (name.startsWith("bin/")) continue;
    const target = `${out}/${name}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${CHARM_DIR}/${name}`, target);
    await Deno.chmod(target, (await Deno.stat(`${CHARM_DIR}/${name}`)).mode! & 0o777);
  }
}

/** Builds into `options.out` and returns the form built. */
async function build(options: Options): Promise<Form> {
  // Only what a build writes is removed: --out may name a directory with other content.
  await Deno.remove(`${options.out}/bin`, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${options.out}/bin`, { recursive: true });
  await copyCharmFiles(options.out);
  const triple = TARGETS[options.arch].triple;
  const named = Deno.env.get("DENORT_BIN");
  if (named && !(await exists(named))) fail(`DENORT_BIN names ${named}, which does not exist`);

  let reason: string;
  if (options.form === "bundle") {
    reason = "bundle form requested with --form bundle";
  } else {
    const why = named
      ? `DENORT_BIN=${named}`
      : (await cachedRuntime(triple))
      ? "the compile runtime is cached"
      : "trying to download the compile runtime";
    const missing = await compile(options, `${options.out}/bin/${EXECUTABLE_NAME}`);
    if (missing === null) {
      await Deno.chmod(`${options.out}/bin/${EXECUTABLE_NAME}`, 0o755);
      console.log(
        `build.ts: built the compiled form (deno compile, ${triple}; ${why}) into ${options.out}`,
      );
      return "compile";
    }
    if (options.form === "compile") {
      fail(`compile form requested but no compile runtime: ${missing}`);
    }
    reason = `no compile runtime for ${triple}: ${missing}`;
  }
  const runtime = await bundle(options);
  console.log(
    `build.ts: built the bundle form (JavaScript chunks run by ${runtime}, shipped as bin/deno) ` +
      `into ${options.out}, because ${reason}`,
  );
  return "bundle";
}

// ---- packing ------------------------------------------------------------------------------

type Yaml = Record<string, unknown>;

/** The files Juju reads, generated from the single charmcraft.yaml as charmcraft does. */
export function charmFiles(charmcraft: Yaml, platform: string, form: Form): Record<string, string> {
  const links = (charmcraft.links ?? {}) as Yaml;
  const metadata: Yaml = {
    name: charmcraft.name,
    "display-name": charmcraft.title,
    summary: charmcraft.summary,
    description: charmcraft.description,
  };
  for (
    const key of ["assumes", "provides", "requires", "peers", "containers", "resources", "storage"]
  ) {
    if (charmcraft[key] !== undefined) metadata[key] = charmcraft[key];
  }
  if (links.documentation) metadata.docs = links.documentation;
  if (links.contact) metadata.maintainers = [links.contact].flat();
  const base = String(charmcraft.base ?? "ubuntu@24.04").split("@");
  const manifest = {
    // Not charmcraft: say what built it. Juju reads only `bases` from the manifest.
    "charmcraft-version": `build.ts (deno ${Deno.version.deno}, ${form} form)`,
    "charmcraft-started-at": new Date().toISOString(),
    bases: [{ name: base[0], channel: base[1], architectures: [platform] }],
    analysis: {
      attributes: [
        { name: "language", result: "unknown" },
        { name: "framework", result: "unknown" },
      ],
    },
  };
  return {
    "metadata.yaml": stringify(metadata, { lineWidth: 0 }),
    "manifest.yaml": stringify(manifest, { lineWidth: 0 }),
    "config.yaml": stringify(charmcraft.config ?? { options: {} }, { lineWidth: 0 }),
    "actions.yaml": stringify(charmcraft.actions ?? {}, { lineWidth: 0 }),
  };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as zip entries carry it; the tests' zip reader checks with the same function. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** 1980-01-01: a fixed timestamp keeps packs reproducible. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface ZipEntry {
  name: string;
  data: Uint8Array;
  mode: number;
}

/** A plain zip with Unix modes in the external attributes (Juju keeps `dispatch` executable
 * only if its entry says 0755). */
export function zip(entries: ZipEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const compressed = new Uint8Array(deflateRawSync(entry.data));
    const crc = crc32(entry.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint16(8, 8, true); // deflate
    local.setUint16(12, DOS_DATE, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, compressed.length, true);
    local.setUint32(22, entry.data.length, true);
    local.setUint16(26, name.length, true);
    const header = new DataView(new ArrayBuffer(46));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, (3 << 8) | 20, true); // made by Unix
    header.setUint16(6, 20, true);
    header.setUint16(8, 0x0800, true);
    header.setUint16(10, 8, true);
    header.setUint16(14, DOS_DATE, true);
    header.setUint32(16, crc, true);
    header.setUint32(20, compressed.length, true);
    header.setUint32(24, entry.data.length, true);
    header.setUint16(28, name.length, true);
    header.setUint32(38, ((0o100000 | entry.mode) << 16) >>> 0, true);
    header.setUint32(42, offset, true);
    chunks.push(new Uint8Array(local.buffer), name, compressed);
    central.push(new Uint8Array(header.buffer), name);
    offset += 30 + name.length + compressed.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const parts = [...chunks, ...central, new Uint8Array(end.buffer)];
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) names.push(...await listFiles(`${dir}/${entry.name}`, `${rel}/`));
    else if (entry.isFile) names.push(rel);
  }
  return names.sort();
}

async function pack(options: Options, form: Form): Promise<string> {
  const charmcraft = parse(await Deno.readTextFile(`${ROOT}charmcraft.yaml`)) as Yaml;
  const platform = TARGETS[options.arch].platform;
  if (!Object.keys((charmcraft.platforms ?? {}) as Yaml).includes(platform)) {
    fail(`charmcraft.yaml lists no ${platform} platform`);
  }
  const encoder = new TextEncoder();
  const entries: ZipEntry[] = Object.entries(charmFiles(charmcraft, platform, form))
    .map(([name, text]) => ({ name, data: encoder.encode(text), mode: 0o644 }));
  for (const name of await listFiles(options.out)) {
    const path = `${options.out}/${name}`;
    const mode = (await Deno.stat(path)).mode! & 0o777;
    entries.push({ name, data: await Deno.readFile(path), mode: mode & 0o111 ? 0o755 : 0o644 });
  }
  const file = `${ROOT}${charmcraft.name}_${platform}.charm`;
  await Deno.writeFile(file, zip(entries));
  const size = (await Deno.stat(file)).size;
  console.log(`build.ts: packed ${file} (${(size / 1048576).toFixed(1)} MiB, ${form} form)`);
  return file;
}

if (import.meta.main) {
  const options = parseArgs(Deno.args);
  const form = await build(options);
  if (options.command === "pack") await pack(options, form);
}
