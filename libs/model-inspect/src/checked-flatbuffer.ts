/**
 * A bounds-checked reader for flatbuffer tables, on top of the `flatbuffers` ByteBuffer.
 * Generated flatbuffer accessors trust every offset; an upload cannot be trusted, so each read
 * here is checked first, and a reference past the end is reported as a cut-short file rather
 * than silently reading zeros (ByteBuffer returns garbage past the end instead of throwing).
 */
import { ByteBuffer } from 'flatbuffers';

/** Thrown for references past the end of the bytes: the file was probably cut short. */
export class FlatbufferTruncatedError extends Error {
  constructor(
    readonly neededBytes: number,
    readonly sizeBytes: number,
    readonly what: string,
  ) {
    super(`${what} needs bytes up to ${neededBytes} but the file has ${sizeBytes}`);
    this.name = 'FlatbufferTruncatedError';
  }
}

/**
 * Thrown when reading has cost more than the file's size allows. Flatbuffers may legally point
 * many offsets at one table or vector, so without a budget a 32 KB file can make a reader
 * materialise the same shared vector thousands of times.
 */
export class FlatbufferWorkExceededError extends Error {
  constructor(readonly budget: number) {
    super(`reading the file needed more than ${budget} table visits and vector elements`);
    this.name = 'FlatbufferWorkExceededError';
  }
}

/** Thrown for structurally impossible values (offsets before the start, vtables too short). */
export class FlatbufferCorruptError extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'FlatbufferCorruptError';
  }
}

export interface TableRef {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly what: string;
}

export interface VectorRef {
  /** Position of the first element. */
  readonly start: number;
  readonly length: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class CheckedFlatbuffer {
  private readonly bb: ByteBuffer;
  readonly size: number;
  /** Units of work left: one per table visited and per vector element or string byte materialised. */
  private work: number;
  readonly workBudget: number;

  /** workBudget: total units this reader may spend; the caller sizes it from the file (a multiple of its length). */
  constructor(bytes: Uint8Array, workBudget = Number.POSITIVE_INFINITY) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
    this.work = workBudget;
    this.workBudget = workBudget;
  }

  /** Charges work; callers charge before they allocate, so a hostile file stops before its cost lands on the heap. */
  charge(units: number): void {
    this.work -= units;
    if (this.work < 0) throw new FlatbufferWorkExceededError(this.workBudget);
  }

  private need(pos: number, n: number, what: string): void {
    if (pos < 0) throw new FlatbufferCorruptError(`${what} points before the start of the file`);
    if (pos + n > this.size) throw new FlatbufferTruncatedError(pos + n, this.size, what);
  }

  identifier(): string {
    this.need(4, 4, 'file identifier');
    return String.fromCharCode(this.bb.readUint8(4), this.bb.readUint8(5), this.bb.readUint8(6), this.bb.readUint8(7));
  }

  root(what: string): TableRef {
    this.need(0, 4, 'root offset');
    return this.table(this.bb.readUint32(0), what);
  }

  table(pos: number, what: string): TableRef {
    this.charge(1);
    this.need(pos, 4, what);
    const vtable = pos - this.bb.readInt32(pos);
    this.need(vtable, 4, `${what} vtable`);
    const vtableSize = this.bb.readUint16(vtable);
    const tableSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new FlatbufferCorruptError(`${what} has a malformed vtable`);
    this.need(vtable, vtableSize, `${what} vtable`);
    this.need(pos, tableSize, what);
    return { pos, vtable, vtableSize, what };
  }

  /** Absolute position of field `index` (0-based, in schema order), or 0 when absent. */
  private field(t: TableRef, index: number, size: number): number {
    const slot = 4 + 2 * index;
    if (slot >= t.vtableSize) return 0;
    const rel = this.bb.readUint16(t.vtable + slot);
    if (rel === 0) return 0;
    this.need(t.pos + rel, size, `${t.what} field ${index}`);
    return t.pos + rel;
  }

  uint8(t: TableRef, index: number, fallback: number): number {
    const p = this.field(t, index, 1);
    return p === 0 ? fallback : this.bb.readUint8(p);
  }

  int8(t: TableRef, index: number, fallback: number): number {
    const p = this.field(t, index, 1);
    return p === 0 ? fallback : this.bb.readInt8(p);
  }

  int32(t: TableRef, index: number, fallback: number): number {
    const p = this.field(t, index, 4);
    return p === 0 ? fallback : this.bb.readInt32(p);
  }

  uint32(t: TableRef, index: number, fallback: number): number {
    const p = this.field(t, index, 4);
    return p === 0 ? fallback : this.bb.readUint32(p);
  }

  uint64(t: TableRef, index: number, fallback: bigint): bigint {
    const p = this.field(t, index, 8);
    return p === 0 ? fallback : this.bb.readUint64(p);
  }

  /** Follows a uoffset stored at `at`; offsets only ever point forward. */
  private indirect(at: number, what: string): number {
    this.need(at, 4, what);
    return at + this.bb.readUint32(at);
  }

  vector(t: TableRef, index: number, elementSize: number): VectorRef | null {
    const p = this.field(t, index, 4);
    if (p === 0) return null;
    const what = `${t.what} vector field ${index}`;
    const at = this.indirect(p, what);
    this.need(at, 4, what);
    const length = this.bb.readUint32(at);
    this.need(at + 4, length * elementSize, what);
    return { start: at + 4, length };
  }

  string(t: TableRef, index: number): string | null {
    const v = this.vector(t, index, 1);
    if (v !== null) this.charge(v.length);
    return v === null ? null : utf8.decode(this.bb.bytes().subarray(v.start, v.start + v.length));
  }

  int32s(v: VectorRef | null): number[] {
    if (v === null) return [];
    this.charge(v.length);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  /** Element i of an int32 vector without reading the rest. */
  int32At(v: VectorRef | null, i: number): number | undefined {
    if (v === null || i >= v.length) return undefined;
    this.charge(1);
    return this.bb.readInt32(v.start + 4 * i);
  }

  /** Where element i of an offset vector points, so callers can memoise tables shared between entries. */
  offsetAt(v: VectorRef, i: number, what: string): number {
    return this.indirect(v.start + 4 * i, what);
  }

  tableAt(v: VectorRef, i: number, what: string): TableRef {
    return this.table(this.indirect(v.start + 4 * i, what), what);
  }
}
