/**
 * `npm run bench`: runs every benchmark in turn, or the ones named. Options after the names go to each of them.
 *
 *   npm run bench                          all benchmarks, figures into bench/RESULTS.md
 *   npm run bench -- master-reads --quick  one benchmark on a small data set (printed, not written)
 *
 * Each benchmark is also runnable alone: `npx tsx bench/<name>.ts`.
 */
import { run as bom } from './bom';
import { run as masterReads } from './master-reads';
import { run as orderToCash } from './order-to-cash';
import { run as syncIngest } from './sync-ingest';

const BENCHMARKS: Record<string, (argv: string[]) => Promise<void>> = {
  'master-reads': masterReads,
  'sync-ingest': syncIngest,
  bom,
  'order-to-cash': orderToCash,
};

async function main(argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('-'));
  const options = argv.filter((a) => a.startsWith('-'));
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  for (const name of names.length ? names : Object.keys(BENCHMARKS)) {
    console.log(`\n=== ${name}`);
    await BENCHMARKS[name]!(options);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
