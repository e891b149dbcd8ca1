import fs from 'node:fs';
import path from 'node:path';

/**
 * CPU accounting for `npm run load` (Linux /proc; elsewhere every figure is null): where the
 * machine's cores went during the run, so a throughput figure can be read against what else ran.
 *   machine:    busy share of all cores (/proc/stat), including other users of a shared machine;
 *   gateway:    the gateway child process (utime + stime);
 *   postgres:   the postmaster and its children (backends of the pools, walwriter, checkpointer);
 *   generator:  this process (process.cpuUsage()).
 * Process figures are in "% of one core" (200% = both cores of a 2-core machine).
 */
const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node ships for

export interface CpuSample {
  at: bigint;
  machine: { busy: number; total: number } | null;
  /** CPU ticks per pid. */
  ticks: Map<number, number>;
  generatorMicros: number;
}

function readMachine(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3] + (f[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function readProcs(): Map<number, { ppid: number; ticks: number }> {
  const out = new Map<number, { ppid: number; ticks: number }>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command name "(...)", which may itself hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(e), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The postmaster's pid from its data folder (first line of postmaster.pid). */
export function postmasterPid(pgDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function sampleCpu(pids: { gateway: number | null; postmaster: number | null }): CpuSample {
  const procs = readProcs();
  const ticks = new Map<number, number>();
  for (const [pid, p] of procs) {
    if (pid === pids.gateway || pid === pids.postmaster || (pids.postmaster !== null && p.ppid === pids.postmaster)) ticks.set(pid, p.ticks);
  }
  const u = process.cpuUsage();
  return { at: process.hrtime.bigint(), machine: readMachine(), ticks, generatorMicros: u.user + u.system };
}

export interface CpuReport {
  machineBusyPct: number | null;
  gatewayPct: number | null;
  postgresPct: number | null;
  generatorPct: number;
}

export function cpuBetween(a: CpuSample, b: CpuSample, pids: { gateway: number | null; postmaster: number | null }): CpuReport {
  const seconds = Number(b.at - a.at) / 1e9;
  const pct = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / seconds;
  const delta = (pid: number) => (b.ticks.get(pid) ?? 0) - (a.ticks.get(pid) ?? 0); // a backend started during the run counts from 0
  let pg: number | null = null;
  if (pids.postmaster !== null && b.ticks.size) {
    pg = 0;
    for (const pid of b.ticks.keys()) if (pid !== pids.gateway) pg += Math.max(0, delta(pid));
  }
  return {
    machineBusyPct: a.machine && b.machine && b.machine.total > a.machine.total
      ? (100 * (b.machine.busy - a.machine.busy)) / (b.machine.total - a.machine.total) : null,
    gatewayPct: pids.gateway !== null && b.ticks.has(pids.gateway) ? pct(delta(pids.gateway)) : null,
    postgresPct: pg === null ? null : pct(pg),
    generatorPct: (b.generatorMicros - a.generatorMicros) / 1e4 / seconds,
  };
}
