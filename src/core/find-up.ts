import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest `name` in `from` or a parent folder (works from src/ under tsx and from dist/ after a build). */
export function findUp(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} not found above ${from}`);
  }
}
