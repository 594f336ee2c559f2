/**
 * Runs one device command inside an emulated phone's sandbox: a new user and mount namespace
 * (`unshare --user --map-root-user --mount`, no privilege needed), /dev and /proc bind-mounted into
 * the root, the emulated /proc/cpuinfo over the real one, a private binfmt_misc in which
 * qemu-aarch64-static is registered with the F flag (so arm64 ELF files run as if native), then
 * chroot and busybox sh. Nothing is registered or mounted outside the namespace, which ends with
 * the command. The device command reaches the device's shell as one argument, never the host's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROFILE } from './device-profile.js';
import { buildSandboxRoot, isStaticElf, type SandboxRootPaths } from './sandbox-root.js';

export interface HostTools {
  unshare: string;
  qemuAarch64: string;
  /** A statically linked busybox (Debian's busybox-static): it becomes the device's shell and toolbox. */
  busybox: string;
}

export const DEFAULT_HOST_TOOLS: HostTools = { unshare: '/usr/bin/unshare', qemuAarch64: '/usr/bin/qemu-aarch64-static', busybox: '/bin/busybox' };

/** What an adb shell on an Android device starts with; the host's environment never enters the device. */
const DEVICE_ENV = ['PATH=/system/bin:/system/xbin:/vendor/bin', 'HOME=/', 'TMPDIR=/data/local/tmp', 'ANDROID_ROOT=/system', 'ANDROID_DATA=/data', 'TERM=dumb'];

// aarch64 ELF executables: the registration line Debian's qemu-user-binfmt uses, as binfmt_misc parses it (\x escapes are its own).
const AARCH64_MAGIC = '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00';
const AARCH64_MASK = '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff';

/** Marks the setup's own failures, so they cannot be mistaken for the device command's output. */
export const SETUP_FAILURE_PREFIX = 'emulated-android sandbox:';

// Runs on the host inside the fresh namespaces; every path and the device command arrive as positional parameters.
const SETUP = `
PATH=/usr/sbin:/usr/bin:/sbin:/bin
fail() { echo "${SETUP_FAILURE_PREFIX} $1" >&2; exit 125; }
root=$1 cpuinfo=$2 binfmt=$3 cmd=$4; shift 4
mount --rbind /dev "$root/dev" || fail "cannot bind-mount /dev into the sandbox"
mount --rbind /proc "$root/proc" || fail "cannot bind-mount /proc into the sandbox"
mount --bind "$cpuinfo" "$root/proc/cpuinfo" || fail "cannot mount the emulated /proc/cpuinfo"
mount -t binfmt_misc binfmt_misc "$root/proc/sys/fs/binfmt_misc" 2>/dev/null || fail "cannot mount a private binfmt_misc in a user namespace: this needs Linux 6.7 or later ($(uname -r) here)"
printf '%s' "$binfmt" > "$root/proc/sys/fs/binfmt_misc/register" || fail "cannot register qemu-aarch64-static in the private binfmt_misc"
chroot=$(command -v chroot) || fail "no chroot on this host (coreutils)"
exec env -i "$@" "$chroot" "$root" /system/bin/sh -c "$cmd"
`;

/** Starts `command` on the device; the child leads its own process group, so a kill reaches everything it started. */
export function spawnInSandbox(paths: SandboxRootPaths, command: string, tools: HostTools = DEFAULT_HOST_TOOLS): ChildProcess {
  return spawn(
    tools.unshare,
    [
      '--user',
      '--map-root-user',
      '--mount',
      '--',
      '/bin/sh',
      '-c',
      SETUP,
      'sandbox-setup',
      paths.root,
      paths.cpuinfo,
      binfmtRule(tools),
      command,
      ...DEVICE_ENV,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: {},
    },
  );
}

function binfmtRule(tools: HostTools): string {
  if (!tools.qemuAarch64.startsWith('/') || tools.qemuAarch64.includes(':'))
    throw new Error(`qemu-aarch64-static path must be absolute and hold no ':': ${tools.qemuAarch64}`);
  return `:qemu-aarch64:M::${AARCH64_MAGIC}:${AARCH64_MASK}:${tools.qemuAarch64}:F`;
}

let support: Promise<string | null> | undefined;

/**
 * Why emulated devices cannot run commands on this host, or null when they can: the host tools are
 * present, busybox is static, and a probe device can mount its private binfmt_misc and run a shell.
 * Checked once per process.
 */
export function sandboxUnsupportedReason(tools: HostTools = DEFAULT_HOST_TOOLS): Promise<string | null> {
  support ??= probe(tools);
  return support;
}

async function probe(tools: HostTools): Promise<string | null> {
  if (process.platform !== 'linux') return `emulated Android devices need Linux namespaces; this is ${process.platform}`;
  const missing = [
    [tools.unshare, 'util-linux (unshare)'],
    [tools.qemuAarch64, 'qemu-user-static'],
    [tools.busybox, 'busybox-static'],
  ].filter(([path]) => !existsSync(path!));
  if (missing.length) return `missing ${missing.map(([path, pkg]) => `${path} (apt-get install ${pkg})`).join(', ')}`;
  if (!isStaticElf(tools.busybox)) return `${tools.busybox} is not statically linked: install busybox-static`;
  const dir = mkdtempSync(join(tmpdir(), 'emulated-android-probe-'));
  try {
    const paths = buildSandboxRoot(dir, DEFAULT_PROFILE, 'probe', tools.busybox);
    const { code, out } = await collect(spawnInSandbox(paths, 'cat /proc/sys/fs/binfmt_misc/qemu-aarch64', tools));
    if (code === 0 && out.startsWith('enabled')) return null;
    const setupFailure = out.split('\n').find((l) => l.startsWith(SETUP_FAILURE_PREFIX));
    return setupFailure ?? `the sandbox probe failed (exit ${code}, Linux ${release()}): ${out.trim() || 'no output'}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function collect(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    child.stderr!.on('data', (c: Buffer) => chunks.push(c));
    child.stdin!.end();
    child.on('error', (e) => resolve({ code: null, out: String(e) }));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(chunks).toString('utf8') }));
  });
}
