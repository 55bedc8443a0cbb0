// What the benchmark knows about the machine it ran on: the CPU, memory and
// system, and how busy the machine was meanwhile. The CPU may be shared with
// other builds and tests, and the report has to say so when it was.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export function describeMachine(browserVersion) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const logicalCpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || cpus().length;
  let os = 'Linux';
  try {
    os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // Not every system has /etc/os-release; the kernel version still says enough.
  }
  return { model, logicalCpus, memoryGiB: totalmem() / 2 ** 30, os, kernel: release(), chromium: browserVersion, node: process.version };
}

/** The 1-minute load average, read now. */
function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

// Programs whose presence outside our own process tree means another build
// or test run is sharing the CPU.
const BUSY_PROGRAMS = new Set(['rustc', 'cargo', 'trunk', 'wasm-opt', 'wasm-bindgen', 'wasm-bindgen-test', 'chromium', 'chrome', 'node', 'cc1', 'cc1plus', 'ld', 'intake-sandbox']);

/** Names of the running programs in BUSY_PROGRAMS that are not descendants of this process. */
function otherBusyPrograms() {
  const processes = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const nameEnd = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, nameEnd);
      const parent = Number(stat.slice(nameEnd + 2).split(' ')[1]);
      processes.set(Number(entry), { name, parent });
    } catch {
      // The process ended between listing and reading it.
    }
  }
  const ours = (pid) => {
    for (let current = pid, steps = 0; current > 1 && steps < 64; current = processes.get(current)?.parent ?? 0, steps += 1) {
      if (current === process.pid) return true;
    }
    return false;
  };
  const names = new Set();
  for (const [pid, { name }] of processes) {
    // Chromium names its helper processes after itself; the kernel truncates names to 15 characters.
    const program = name.split(/[ :]/)[0];
    if (BUSY_PROGRAMS.has(program) && !ours(pid) && pid !== process.pid) names.add(program);
  }
  return names;
}

/**
 * Samples the load average and the other busy programs every few seconds
 * until `stop()`, which returns `{ before, highest, after, samples,
 * othersSeen }`; `othersSeen` maps a program's name to how many samples saw it.
 */
export function watchLoad(intervalMs = 5000) {
  const watch = { before: loadAverage(), highest: loadAverage(), after: null, samples: 0, othersSeen: {} };
  const sample = () => {
    watch.samples += 1;
    watch.highest = Math.max(watch.highest, loadAverage());
    for (const name of otherBusyPrograms()) watch.othersSeen[name] = (watch.othersSeen[name] ?? 0) + 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      watch.after = loadAverage();
      return watch;
    },
  };
}
