/**
 * A minimal zip reader for unpacking a packed `.charm`: central directory, stored and deflated
 * entries, and the unix modes kept in the external attributes (the dispatch file must stay
 * executable, as Juju's own unpacking keeps it).
 */
import { crc32 } from "../../build.ts";

import { inflateRawSync } from "node:zlib";

/** One file or directory of the archive. */
export interface ZipEntry {
  /** Path inside the archive; directories end with `/`. */
  name: string;
  /** Unix permission bits (e.g. 0o755); a default when the archive has no unix attributes. */
  mode: number;
  /** True for a symbolic link (its target is `data`). */
  symlink: boolean;
  data: Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let i = view.byteLength - 22; i >= lowest; i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) return i;
  }
  throw new Error("not a zip archive: end of central directory not found");
}

/** Reads every entry of a zip archive. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new Error("zip64 archives are not supported");
  }
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(offset, true) !== CENTRAL_SIGNATURE) {
      throw new Error("corrupt central directory");
    }
    const madeBy = view.getUint16(offset + 4, true);
    const method = view.getUint16(offset + 10, true);
    const crc = view.getUint32(offset + 16, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const localOffset = view.getUint32(offset + 42, true);
    const name = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
    if (compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new Error("zip64 archives are not supported");
    }

    if (view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
      throw new Error(`corrupt entry ${name}`);
    }
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) +
      view.getUint16(localOffset + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    let data: Uint8Array;
    if (method === 0) data = raw.slice();
    else if (method === 8) data = new Uint8Array(inflateRawSync(raw));
    else throw new Error(`entry ${name}: unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) {
      throw new Error(`entry ${name}: checksum mismatch`);
    }

    const isDir = name.endsWith("/");
    const unixMode = madeBy >> 8 === UNIX_HOST ? external >>> 16 : 0;
    const mode = unixMode & 0o7777 || (isDir ? 0o755 : 0o644);
    entries.push({ name, mode, symlink: (unixMode & S_IFMT) === S_IFLNK, data });
  }
  return entries;
}

/** Extracts an archive into `dir`, keeping unix modes; rejects paths that escape `dir`. */
export function extractZip(bytes: Uint8Array, dir: string): void {
  for (const entry of readZip(bytes)) {
    const parts = entry.name.split("/").filter((p) => p !== "");
    if (entry.name.startsWith("/") || parts.some((p) => p === "..")) {
      throw new Error(`refusing to extract ${entry.name}: outside the target directory`);
    }
    const path = [dir, ...parts].join("/");
    if (entry.name.endsWith("/")) {
      Deno.mkdirSync(path, { recursive: true });
      continue;
    }
    Deno.mkdirSync([dir, ...parts.slice(0, -1)].join("/"), { recursive: true });
    if (entry.symlink) {
      Deno.symlinkSync(new TextDecoder().decode(entry.data), path);
      continue;
    }
    Deno.writeFileSync(path, entry.data);
    Deno.chmodSync(path, entry.mode);
  }
}
