/**
 * Maps a device path (what the host names in a sync request) onto the host file inside one emulated
 * device's sandbox root, resolving symlinks the way the chroot'd device would see them. The sync
 * service touches files from the host side, outside the chroot, so without this a symlink such as
 * /system/bin/sh -> /system/bin/busybox, or a pushed link to /etc, would reach the host's own files.
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix, join } from 'node:path';

/** Linux gives up after 40 links (ELOOP); so does the device. */
const MAX_LINKS = 40;

export class SandboxPathError extends Error {}

/**
 * The host path for `devicePath` inside `root`. Every symlink on the way is followed inside the
 * root (absolute targets restart at the root, `..` never climbs above it); the last component is
 * followed only when `followLast` is set (STAT and LIST of a link describe the link itself, as
 * adbd's lstat does). Components that do not exist yet are kept as named, so SEND can create them.
 */
export async function resolveInSandbox(root: string, devicePath: string, followLast: boolean): Promise<string> {
  if (!devicePath.startsWith('/')) throw new SandboxPathError(`device path must be absolute: ${devicePath}`);
  const pending = devicePath.split('/').filter((c) => c.length > 0);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const isLast = pending.length === 0;
    const info = await lstat(join(root, ...candidate)).catch(() => null);
    if (info?.isSymbolicLink() && (!isLast || followLast)) {
      if (++links > MAX_LINKS) throw new SandboxPathError(`too many levels of symbolic links: ${devicePath}`);
      const target = await readlink(join(root, ...candidate));
      if (posix.isAbsolute(target)) resolved.length = 0;
      pending.unshift(...target.split('/').filter((c) => c.length > 0));
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}
