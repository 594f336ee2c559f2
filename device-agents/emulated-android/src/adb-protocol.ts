/**
 * The ADB transport protocol's wire format, device side: 24-byte message headers, the commands an
 * emulated device exchanges with a real adb server, and a reader that cuts a TCP byte stream into
 * whole messages. Constants follow AOSP's adb/protocol.txt and adb.h.
 */

export const A_CNXN = 0x4e584e43;
export const A_AUTH = 0x48545541;
export const A_OPEN = 0x4e45504f;
export const A_OKAY = 0x59414b4f;
export const A_CLSE = 0x45534c43;
export const A_WRTE = 0x45545257;

/** The version the host expects from a current device; with it the host sends checksum 0. */
export const A_VERSION = 0x01000001;
/** 256 KiB, as devices since Android 9 advertise. */
export const MAX_PAYLOAD = 256 * 1024;

export const AUTH_TOKEN = 1;
export const AUTH_SIGNATURE = 2;
export const AUTH_RSAPUBLICKEY = 3;

const HEADER_BYTES = 24;

export interface AdbMessage {
  command: number;
  arg0: number;
  arg1: number;
  payload: Buffer;
}

export function encodeMessage(command: number, arg0: number, arg1: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(command >>> 0, 0);
  header.writeUInt32LE(arg0 >>> 0, 4);
  header.writeUInt32LE(arg1 >>> 0, 8);
  header.writeUInt32LE(payload.length, 12);
  // Hosts older than version 0x01000001 check this sum; newer ones send and accept 0. It costs little to be exact.
  header.writeUInt32LE(checksum(payload), 16);
  header.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, payload]);
}

function checksum(payload: Buffer): number {
  let sum = 0;
  for (const b of payload) sum = (sum + b) >>> 0;
  return sum;
}

export function commandName(command: number): string {
  return Buffer.from([command & 0xff, (command >>> 8) & 0xff, (command >>> 16) & 0xff, command >>> 24]).toString('latin1');
}

/** Accumulates TCP chunks and yields each complete message; a corrupt header is a protocol error. */
export class AdbMessageReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPayload: number) {}

  push(chunk: Buffer): AdbMessage[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: AdbMessage[] = [];
    while (this.buffered.length >= HEADER_BYTES) {
      const command = this.buffered.readUInt32LE(0);
      const length = this.buffered.readUInt32LE(12);
      const magic = this.buffered.readUInt32LE(20);
      if (magic !== (command ^ 0xffffffff) >>> 0) throw new Error(`bad ADB header: magic does not match command ${commandName(command)}`);
      if (length > this.maxPayload) throw new Error(`ADB payload of ${length} bytes exceeds ${this.maxPayload}`);
      if (this.buffered.length < HEADER_BYTES + length) break;
      out.push({
        command,
        arg0: this.buffered.readUInt32LE(4),
        arg1: this.buffered.readUInt32LE(8),
        payload: Buffer.from(this.buffered.subarray(HEADER_BYTES, HEADER_BYTES + length)),
      });
      this.buffered = this.buffered.subarray(HEADER_BYTES + length);
    }
    return out;
  }
}
