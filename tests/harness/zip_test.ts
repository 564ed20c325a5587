/** The minimal zip reader used to unpack the packed charm. */

import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { extractZip, readZip } from "./zip.ts";
import { PYTHON_ZIP_BASE64 } from "./juju/fixtures.ts";

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A tiny zip writer for test archives: unix host, given modes, stored or deflated. */
function writeZip(
  files: { name: string; mode: number; data: string; deflate?: boolean }[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const file of files) {
    const name = new TextEncoder().encode(file.name);
    const data = new TextEncoder().encode(file.data);
    const body = file.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(8, file.deflate ? 8 : 0, true);
    local.setUint32(14, crc32(data), true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, name.length, true);
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint16(4, (3 << 8) | 20, true);
    entry.setUint16(10, file.deflate ? 8 : 0, true);
    entry.setUint32(16, crc32(data), true);
    entry.setUint32(20, body.length, true);
    entry.setUint32(24, data.length, true);
    entry.setUint16(28, name.length, true);
    entry.setUint32(
      38,
      ((file.name.endsWith("/") ? 0o040000 : 0o100000) | file.mode) << 16 >>> 0,
      true,
    );
    entry.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, body);
    central.push(new Uint8Array(entry.buffer), name);
    offset += 30 + name.length + body.length;
  }
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("readZip reads a charmcraft-style archive: deflate, stored, modes, directories", () => {
  const entries = readZip(fromBase64(PYTHON_ZIP_BASE64));
  assert.deepEqual(entries.map((e) => [e.name, e.mode.toString(8), e.symlink]), [
    ["dispatch", "755", false],
    ["metadata.yaml", "644", false],
    ["bin/", "755", false],
  ]);
  assert.equal(
    new TextDecoder().decode(entries[0].data),
    "#!/bin/sh\necho hello from dispatch\n".repeat(3),
  );
  assert.equal(new TextDecoder().decode(entries[1].data), "name: zipped\n");
});

Deno.test("extractZip keeps the executable bit and creates directories", () => {
  const dir = Deno.makeTempDirSync();
  try {
    extractZip(
      writeZip([
        { name: "dispatch", mode: 0o755, data: "#!/bin/sh\nexit 0\n", deflate: true },
        { name: "src/", mode: 0o755, data: "" },
        { name: "src/deep/file.txt", mode: 0o600, data: "x".repeat(5000), deflate: true },
      ]),
      dir,
    );
    assert.equal(Deno.statSync(`${dir}/dispatch`).mode! & 0o777, 0o755);
    assert.equal(Deno.statSync(`${dir}/src/deep/file.txt`).mode! & 0o777, 0o600);
    assert.equal(Deno.readTextFileSync(`${dir}/src/deep/file.txt`), "x".repeat(5000));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("extractZip refuses entries that escape the target directory", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.throws(
      () => extractZip(writeZip([{ name: "../evil", mode: 0o644, data: "x" }]), dir),
      /outside/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readZip rejects non-zip data and corrupt entries", () => {
  assert.throws(
    () => readZip(new TextEncoder().encode("not a zip at all, just some text")),
    /not a zip/,
  );
  const bytes = writeZip([{ name: "a", mode: 0o644, data: "hello" }]);
  bytes[30 + 1] ^= 0xff; // flip a byte of the stored data
  assert.throws(() => readZip(bytes), /checksum mismatch/);
});
