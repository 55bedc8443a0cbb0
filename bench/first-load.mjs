// The widget's first-load budget: `node bench/first-load.mjs` after a release
// build. It counts exactly what the benchmark counts (the widget's page,
// every file it refers to and every module those scripts import, each
// compressed with zlib level 9) and exits 1 when the total is over the
// budget, naming each file. `cargo xtask test` runs it after the release
// build (see docs/size.md).
import { gzipSync, constants } from 'node:zlib';
import { snapshotDist, widgetFirstLoad, widgetDeferred } from './server.mjs';

/** The public widget's first load, KB gzip (1 KB = 1024 bytes). */
export const FIRST_LOAD_BUDGET_KIB = 150;

const KIB = 1024;
const gzip = (body) => gzipSync(body, { level: constants.Z_BEST_COMPRESSION }).length;
const dist = snapshotDist();
const files = widgetFirstLoad(dist).map(({ path, body }) => ({ path, size: gzip(body) }));
const total = files.reduce((sum, file) => sum + file.size, 0);
const later = widgetDeferred(dist).reduce((sum, { body }) => sum + gzip(body), 0);
const list = files.map(({ path, size }) => `${path.replace(/^\/widget\//, '')} ${(size / KIB).toFixed(1)}`).join(', ');
console.log(`widget first load: ${(total / KIB).toFixed(1)} KB gzip of ${FIRST_LOAD_BUDGET_KIB} KB (${list}); then ${(later / KIB).toFixed(1)} KB once the form is on screen`);
if (total > FIRST_LOAD_BUDGET_KIB * KIB) {
  console.error(`The widget's first load is ${((total - FIRST_LOAD_BUDGET_KIB * KIB) / KIB).toFixed(1)} KB over its ${FIRST_LOAD_BUDGET_KIB} KB budget.`
    + ' Move what the first screen does not need behind the later parts (src/shared/later_parts.rs), or take bytes off elsewhere; see docs/size.md.');
  process.exit(1);
}
