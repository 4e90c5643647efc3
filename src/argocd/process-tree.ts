/**
 * Finds and kills every process a cdk8s app started, including detached ones
 * that left its process group or session, from Linux's /proc (elsewhere only
 * the process group is killed).
 *
 * A process belongs to the run when it is the app, shares its process group
 * or session, descends from a process of the run (seen while its parent was
 * alive: the tracker polls while the app runs), or carries the run's marker
 * variable in its environment (inherited unless a child clears it). The
 * plugin's own process and its ancestors are never touched. All calls are
 * synchronous, so that a signal handler can use them.
 */
import { readdirSync, readFileSync } from 'fs';

/** A process as /proc/<pid>/stat gives it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot: tells a process from a later one with the same pid. */
  readonly start: string;
  /** State letter; `Z` is a zombie (dead, waiting to be reaped). */
  readonly state: string;
}

/** Parses /proc/<pid>/stat; undefined when unreadable. */
export function parseStat(text: string): ProcessInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(close + 2).split(' ');
  if (f.length < 20) return undefined;
  return { pid, state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), start: f[19] };
}

/** The live (non-zombie) processes visible in /proc; empty where there is no /proc. */
export function readProcesses(): Map<number, ProcessInfo> {
  const out = new Map<number, ProcessInfo>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let info: ProcessInfo | undefined;
    try {
      info = parseStat(readFileSync(`/proc/${e}/stat`, 'utf8'));
    } catch {
      continue; // gone meanwhile
    }
    if (info !== undefined && info.state !== 'Z' && info.state !== 'X') out.set(info.pid, info);
  }
  return out;
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
    return environ.includes(Buffer.from(`\0${marker}\0`));
  } catch {
    return false;
  }
}

/** Sleeps synchronously (usable in a signal handler). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Tracks the processes of one run of a cdk8s app. */
export class ProcessTracker {
  /** Processes seen as part of the run: pid -> start time. */
  private readonly seen = new Map<number, string>();
  private readonly protectedPids = new Set<number>();

  /**
   * @param root pid of the app, leader of its own process group and session (spawned detached)
   * @param marker `NAME=value` set in the app's environment
   */
  constructor(private readonly root: number, private readonly marker: string) {
    // Never this process nor its ancestors (argocd-cmp-server, a shell...).
    const table = readProcesses();
    for (let pid: number | undefined = process.pid; pid !== undefined && pid > 0 && !this.protectedPids.has(pid); pid = table.get(pid)?.ppid) {
      this.protectedPids.add(pid);
    }
  }

  /** The processes of the run now alive. With `deep`, also those found by the marker in their environment. */
  members(deep: boolean, table = readProcesses()): ProcessInfo[] {
    const ours = new Set<number>();
    for (const p of table.values()) {
      if (this.protectedPids.has(p.pid)) continue;
      if (
        p.pid === this.root || p.pgid === this.root || p.sid === this.root ||
        this.seen.get(p.pid) === p.start || (deep && hasMarker(p.pid, this.marker))
      ) {
        ours.add(p.pid);
      }
    }
    // Descendants of any of them.
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of table.values()) {
        if (!ours.has(p.pid) && ours.has(p.ppid) && !this.protectedPids.has(p.pid)) {
          ours.add(p.pid);
          grew = true;
        }
      }
    }
    return [...ours].map((pid) => table.get(pid) as ProcessInfo);
  }

  /** Records the processes of the run now alive (called while the app runs). */
  observe(): void {
    for (const p of this.members(false)) this.seen.set(p.pid, p.start);
  }

  /**
   * Stops, then kills, every process of the run, until none is left (bounded:
   * 50 rounds): each round freezes what it finds (SIGSTOP: a stopped process
   * can neither fork nor exit, so the tree stays whole), looks again, records
   * all, then kills them. Returns how many processes besides the app were
   * found alive.
   */
  killAll(): number {
    const signal = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        // gone meanwhile
      }
    };
    signal(-this.root, 'SIGSTOP');
    const others = new Set<number>();
    for (let round = 0; round < 50; round++) {
      const found = this.members(true);
      if (found.length === 0) break;
      for (const p of found) {
        this.seen.set(p.pid, p.start);
        signal(p.pid, 'SIGSTOP');
      }
      const frozen = this.members(true);
      for (const p of frozen) this.seen.set(p.pid, p.start);
      for (const p of frozen) {
        if (p.pid !== this.root) others.add(p.pid);
        signal(p.pid, 'SIGKILL');
      }
      signal(-this.root, 'SIGKILL');
      pause(10);
    }
    return others.size;
  }
}
