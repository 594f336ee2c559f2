// CPU pinning for bench scripts: this VM's two vCPUs change speed independently, so both sides of
// a comparison should run on one CPU.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Sets the affinity of `pid` and every process below it (found through /proc) to `cpuList`; returns how many. */
export function pinProcessTree(pid, cpuList) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the parenthesised command name: state, ppid, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  const tree = [];
  for (const queue = [pid]; queue.length;) {
    const p = queue.shift();
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  for (const p of tree) execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpuList, String(p)], { stdio: 'ignore' });
  return tree.length;
}
