import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './servers';

export const RESULTS_FILE = path.join(ROOT, 'bench', 'RESULTS.md');

const PREAMBLE = `# Benchmark results

Figures from the benchmarks in \`bench/\`, each with the machine, data sizes and exact command that produced it.
Every benchmark owns one \`##\` section: its runner rewrites the part between its \`begin\`/\`end\` markers and
leaves everything else (other sections, notes written by hand) as it is. Speed is measured here, with
reproducible data generators, not by timed tests.
`;

/**
 * Writes one benchmark's figures into RESULTS.md: the text between `<!-- id:begin -->` and `<!-- id:end -->`
 * under `heading` is replaced; a missing section is appended; everything else in the file is kept.
 */
export function writeSection(id: string, heading: string, generated: string, file = RESULTS_FILE): void {
  const begin = `<!-- ${id}:begin -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${begin}\n${generated.trim()}\n${end}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : PREAMBLE;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + block + text.slice(to + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${heading}\n\n${block}\n`;
  }
  fs.writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
}

/** What the figures depend on besides the code: cores, memory, OS, Node and PostgreSQL. */
export function machine(postgresVersion: string): string {
  const cpus = os.cpus();
  let kernel = `${os.type()} ${os.release()}`;
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // uname is only for a nicer description.
  }
  return (
    `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${kernel}, Node ${process.version}, ${postgresVersion}`
  );
}
