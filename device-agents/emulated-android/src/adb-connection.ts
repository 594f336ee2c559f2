/**
 * One host connection to an emulated device, device side: the CNXN handshake (with optional AUTH),
 * then streams multiplexed over the socket. Each stream keeps one WRTE in flight until the host
 * OKAYs it, as adbd does; the host gets its OKAY for a WRTE only once the service has consumed the
 * bytes, which is the protocol's only back-pressure.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { isHostSignature, parseAdbPublicKey } from './adb-auth.js';
import {
  A_AUTH,
  A_CLSE,
  A_CNXN,
  A_OKAY,
  A_OPEN,
  A_VERSION,
  A_WRTE,
  AUTH_RSAPUBLICKEY,
  AUTH_SIGNATURE,
  AUTH_TOKEN,
  AdbMessageReader,
  MAX_PAYLOAD,
  encodeMessage,
  type AdbMessage,
} from './adb-protocol.js';

/**
 * none: no AUTH, like a device with ro.adb.secure=0. accept: a phone whose user taps "Always allow"
 * for any new host key (the key is then trusted, and later connections pass by signature). never: a
 * phone nobody authorizes, which the host lists as `unauthorized`.
 */
export type AuthMode = 'none' | 'accept' | 'never';

/** The device end of one stream, as a service sees it. */
export interface DeviceStream {
  /** Sends bytes to the host; resolves once the host has acknowledged all of them (or the stream closed). */
  write(data: Buffer): Promise<void>;
  /** Closes the stream once everything written has been acknowledged. */
  close(): void;
  readonly closed: boolean;
}

/** A service behind one stream. */
export interface StreamService {
  /** Bytes the host wrote; the host gets its OKAY once the returned promise settles. */
  onData(data: Buffer): Promise<void> | void;
  /** The host closed the stream or the connection dropped: stop and release everything. */
  onClose(): void;
}

/** Opens the named service ("shell:ls", "sync:"), or returns null to refuse it. */
export type ServiceOpener = (service: string, stream: DeviceStream) => StreamService | null;

export interface AdbConnectionOptions {
  banner: string;
  auth: AuthMode;
  /** Host keys this device trusts; `accept` adds to it. */
  trustedKeys: KeyObject[];
  /** Called with the adb_keys line of a host key the user "allowed". */
  onKeyAccepted(line: string): void;
  openService: ServiceOpener;
}

export class AdbConnection {
  private readonly reader = new AdbMessageReader(MAX_PAYLOAD);
  private readonly streams = new Map<number, OpenStream>();
  private nextLocalId = 1;
  private online = false;
  private token: Buffer | null = null;
  /** The host's maxdata from its CNXN, capped by ours: no WRTE we send may exceed it. */
  maxData = MAX_PAYLOAD;

  constructor(
    readonly socket: Socket,
    private readonly options: AdbConnectionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.reader.push(chunk)) this.handle(m);
      } catch (e) {
        socket.destroy(e as Error);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.dropAll());
  }

  send(command: number, arg0: number, arg1: number, payload?: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(encodeMessage(command, arg0, arg1, payload));
  }

  forget(localId: number): void {
    this.streams.delete(localId);
  }

  private handle(m: AdbMessage): void {
    switch (m.command) {
      case A_CNXN:
        this.maxData = Math.min(MAX_PAYLOAD, m.arg1 || MAX_PAYLOAD);
        if (this.options.auth === 'none') this.accept();
        else this.challenge();
        return;
      case A_AUTH:
        this.onAuth(m);
        return;
    }
    if (!this.online) return;
    switch (m.command) {
      case A_OPEN:
        this.open(m.arg0, m.payload.toString('utf8').replace(/\0+$/, ''));
        return;
      case A_WRTE:
        this.streams.get(m.arg1)?.receive(m.payload);
        return;
      case A_OKAY:
        this.streams.get(m.arg1)?.acknowledged(m.arg0);
        return;
      case A_CLSE:
        this.streams.get(m.arg1)?.closedByHost();
        return;
    }
  }

  private accept(): void {
    this.online = true;
    this.send(A_CNXN, A_VERSION, MAX_PAYLOAD, Buffer.from(this.options.banner, 'utf8'));
  }

  private challenge(): void {
    this.token = randomBytes(20);
    this.send(A_AUTH, AUTH_TOKEN, 0, this.token);
  }

  private onAuth(m: AdbMessage): void {
    if (this.online || !this.token) return;
    if (m.arg0 === AUTH_SIGNATURE) {
      const token = this.token;
      if (this.options.auth === 'accept' && this.options.trustedKeys.some((k) => isHostSignature(k, token, m.payload))) this.accept();
      // A fresh token makes the host try its next key, and then offer its public key.
      else this.challenge();
    } else if (m.arg0 === AUTH_RSAPUBLICKEY && this.options.auth === 'accept') {
      const line = m.payload.toString('utf8').replace(/\0+$/, '');
      try {
        this.options.trustedKeys.push(parseAdbPublicKey(line));
      } catch {
        return; // A key we cannot read is a key nobody could allow: the host stays unauthorized.
      }
      this.options.onKeyAccepted(line);
      this.accept();
    }
    // `never`: the public key is ignored, as on a phone whose prompt nobody answers.
  }

  private open(remoteId: number, service: string): void {
    const localId = this.nextLocalId++;
    const stream = new OpenStream(this, localId, remoteId);
    const handler = this.options.openService(service, stream);
    if (!handler) {
      this.send(A_CLSE, 0, remoteId);
      return;
    }
    stream.service = handler;
    this.streams.set(localId, stream);
    this.send(A_OKAY, localId, remoteId);
  }

  private dropAll(): void {
    for (const s of [...this.streams.values()]) s.closedByHost();
    this.streams.clear();
  }
}

class OpenStream implements DeviceStream {
  service!: StreamService;
  closed = false;
  private readonly outgoing: Array<{ chunk: Buffer; done?: () => void }> = [];
  private inFlight: (() => void) | null = null;
  private closing = false;
  private incoming: Promise<void> = Promise.resolve();

  constructor(
    private readonly conn: AdbConnection,
    private readonly localId: number,
    private readonly remoteId: number,
  ) {}

  write(data: Buffer): Promise<void> {
    if (this.closed || this.closing || data.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      for (let off = 0; off < data.length; off += this.conn.maxData) {
        const chunk = data.subarray(off, off + this.conn.maxData);
        this.outgoing.push({ chunk, done: off + this.conn.maxData >= data.length ? resolve : undefined });
      }
      this.pump();
    });
  }

  close(): void {
    this.closing = true;
    this.pump();
  }

  receive(data: Buffer): void {
    // Serialised per stream: a service sees the host's bytes in order, one WRTE at a time.
    this.incoming = this.incoming
      .then(() => this.service.onData(data))
      .then(
        () => {
          if (!this.closed) this.conn.send(A_OKAY, this.localId, this.remoteId);
        },
        () => this.close(),
      );
  }

  acknowledged(_remoteId: number): void {
    const done = this.inFlight;
    this.inFlight = null;
    done?.();
    this.pump();
  }

  closedByHost(): void {
    if (this.closed) return;
    this.finish();
    this.service.onClose();
  }

  private pump(): void {
    if (this.closed || this.inFlight) return;
    const next = this.outgoing.shift();
    if (next) {
      this.inFlight = next.done ?? (() => {});
      this.conn.send(A_WRTE, this.localId, this.remoteId, next.chunk);
    } else if (this.closing) {
      this.conn.send(A_CLSE, this.localId, this.remoteId);
      this.finish();
    }
  }

  /** Settles every pending write, so no service waits on a stream that is gone. */
  private finish(): void {
    this.closed = true;
    this.inFlight?.();
    this.inFlight = null;
    for (const o of this.outgoing.splice(0)) o.done?.();
    this.conn.forget(this.localId);
  }
}
