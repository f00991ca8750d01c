import fs from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/** The project root (where package.json is), the same whether running from src/ with tsx or from dist/ after a build. */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('mdhub: cannot find the project root (package.json) above ' + __dirname);
    dir = up;
  }
  root = dir;
  return dir;
}

export function projectPath(...parts: string[]): string {
  return path.join(projectRoot(), ...parts);
}
