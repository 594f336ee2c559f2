/**
 * An .mlpackage arrives as a zip of the package directory (Manifest.json, Data/com.apple.CoreML/
 * model.mlmodel, and for an mlProgram its weights). This module opens such a zip with hard
 * bounds, so a hostile archive is refused before anything is stored or written to disk:
 * entry count, total uncompressed size, compression ratio, no absolute or `..` paths, no
 * symbolic links, no encrypted or duplicate entries.
 *
 * yauzl rather than adm-zip or fflate: it reads the central directory without trusting local
 * headers, refuses absolute and `..` names itself (strictFileNames), exposes the Unix mode of
 * each entry (links), and checks that every entry inflates to exactly its declared size
 * (validateEntrySizes), which is what stops a bomb that lies in its headers.
 */
import yauzl from 'yauzl';
import { DomainError } from '@farm/contracts';
import { invalid } from './model-errors.js';

export interface MlPackageLimits {
  maxEntries: number;
  maxTotalBytes: number;
  /** Uncompressed bytes per compressed byte over the whole archive; weights compress poorly, so real packages stay far below. */
  maxRatio: number;
}

export const DEFAULT_MLPACKAGE_LIMITS: MlPackageLimits = { maxEntries: 4096, maxTotalBytes: 2 * 1024 ** 3, maxRatio: 100 };
/** Small archives (a manifest and a tiny model) legitimately compress well; the ratio bound starts above this. */
const RATIO_FLOOR_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export interface MlPackageFile {
  /** Path inside the package directory, '/'-separated, with the archive's top folder (e.g. "Model.mlpackage/") removed. */
  path: string;
  bytes: Uint8Array;
}

export interface MlPackage {
  /** The archive's top folder ("Model.mlpackage"), or '' when the zip holds the package's contents directly. */
  folder: string;
  files: MlPackageFile[];
  /** Path (in `files`) of the root model the manifest names, normally Data/com.apple.CoreML/model.mlmodel. */
  modelPath: string;
}

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];

export function hasZipMagic(bytes: Uint8Array): boolean {
  const starts = (m: number[]) => bytes.length >= 4 && m.every((b, i) => bytes[i] === b);
  return starts(ZIP_LOCAL_HEADER) || starts(ZIP_EMPTY);
}

function unsafe(reason: string, details?: unknown): DomainError {
  return new DomainError(
    'MODEL_ARCHIVE_UNSAFE',
    `The .mlpackage archive was refused: ${reason}. Zip the package directory itself (e.g. \`zip -r Model.mlpackage.zip Model.mlpackage\`), with no links.`,
    details,
  );
}

function openZip(bytes: Uint8Array): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      { lazyEntries: true, decodeStrings: true, strictFileNames: true, validateEntrySizes: true },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    );
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Walks the central directory, checking every bound before inflating anything, then inflates each file (sizes checked by yauzl). */
async function readAll(bytes: Uint8Array, limits: MlPackageLimits): Promise<MlPackageFile[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(bytes);
  } catch (e) {
    // yauzl names absolute and `..` paths in its errors: those are refusals, the rest a broken zip.
    const msg = e instanceof Error ? e.message : String(e);
    if (/absolute path|invalid relative path|invalid characters/i.test(msg)) throw unsafe(msg);
    throw invalid('.mlpackage zip', msg);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw unsafe(`it has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`);
  }
  const allowed = Math.min(limits.maxTotalBytes, Math.max(bytes.length * limits.maxRatio, RATIO_FLOOR_BYTES));
  const files: MlPackageFile[] = [];
  const seen = new Set<string>();
  let declared = 0;
  return new Promise<MlPackageFile[]>((resolve, reject) => {
    const fail = (e: unknown) => {
      zip.close();
      reject(e);
    };
    zip.on('error', (e: Error) => {
      const msg = e.message;
      if (/absolute path|invalid relative path|invalid characters/i.test(msg)) fail(unsafe(msg));
      else fail(invalid('.mlpackage zip', msg));
    });
    zip.on('end', () => resolve(files));
    zip.on('entry', (entry: yauzl.Entry) => {
      void (async () => {
        const name = entry.fileName;
        const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
        const isDir = name.endsWith('/');
        // A zip made on Unix records the file type; a link (or device, fifo) would let a later unpack write outside the package.
        if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) return fail(unsafe(`entry "${name}" is a link or special file`, { entry: name }));
        if (name.split('/').some((seg) => seg === '..' || seg === '.')) return fail(unsafe(`entry "${name}" has a relative path segment`, { entry: name }));
        if (entry.isEncrypted()) return fail(unsafe(`entry "${name}" is encrypted`, { entry: name }));
        if (seen.has(name)) return fail(unsafe(`entry "${name}" appears twice`, { entry: name }));
        seen.add(name);
        declared += entry.uncompressedSize;
        if (declared > allowed) {
          return fail(
            unsafe(`it expands to more than ${allowed} bytes (${bytes.length} compressed; at most ${limits.maxRatio}x and ${limits.maxTotalBytes} bytes)`, {
              compressedBytes: bytes.length,
            }),
          );
        }
        if (!isDir) {
          try {
            files.push({ path: name, bytes: new Uint8Array(await readEntry(zip, entry)) });
          } catch (e) {
            // validateEntrySizes: an entry that inflates past its declared size is a bomb lying in its headers.
            const msg = e instanceof Error ? e.message : String(e);
            return fail(/too many bytes|too few bytes|size/i.test(msg) ? unsafe(`entry "${name}": ${msg}`, { entry: name }) : invalid('.mlpackage zip', msg));
          }
        }
        zip.readEntry();
      })();
    });
    zip.readEntry();
  });
}

interface Manifest {
  rootModelIdentifier?: unknown;
  itemInfoEntries?: Record<string, { path?: unknown }>;
}

/**
 * Opens a zipped .mlpackage: checks the bounds, finds Manifest.json (at the top or in the
 * archive's one top folder) and the root model it names. Throws MODEL_ARCHIVE_UNSAFE for a
 * hostile archive and MODEL_INVALID for a zip that is not an .mlpackage.
 */
export async function openMlPackage(bytes: Uint8Array, limits: MlPackageLimits = DEFAULT_MLPACKAGE_LIMITS): Promise<MlPackage> {
  const all = await readAll(bytes, limits);
  const manifest = all.find((f) => /^([^/]+\/)?Manifest\.json$/.test(f.path));
  if (!manifest) throw invalid('.mlpackage', 'the zip has no Manifest.json at its top or in one top folder; it is not a zipped .mlpackage');
  const folder = manifest.path.includes('/') ? manifest.path.slice(0, manifest.path.indexOf('/')) : '';
  const prefix = folder ? `${folder}/` : '';
  if (all.some((f) => !f.path.startsWith(prefix))) throw invalid('.mlpackage', `the zip holds files outside the package folder "${folder}"`);
  const files = all.map((f) => ({ path: f.path.slice(prefix.length), bytes: f.bytes }));
  let parsed: Manifest;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifest.bytes)) as Manifest;
  } catch (e) {
    throw invalid('.mlpackage', `its Manifest.json is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const root = typeof parsed.rootModelIdentifier === 'string' ? parsed.itemInfoEntries?.[parsed.rootModelIdentifier] : undefined;
  if (!root || typeof root.path !== 'string')
    throw invalid('.mlpackage', 'its Manifest.json names no root model (rootModelIdentifier and its itemInfoEntries path)');
  const modelPath = `Data/${root.path}`;
  if (!files.some((f) => f.path === modelPath)) throw invalid('.mlpackage', `its manifest names "${modelPath}", which the zip does not hold`);
  return { folder, files, modelPath };
}
