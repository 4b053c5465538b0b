// Bundled data lives next to src/ and dist/, so the same relative paths work from sources (tests, tsx) and
// from the compiled image.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const SERVICE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MIGRATIONS_DIR = join(SERVICE_ROOT, 'migrations');
export const CORPUS_FILE = join(SERVICE_ROOT, 'corpus', 'documents.json');
export const EVAL_QUERIES_FILE = join(SERVICE_ROOT, 'eval', 'queries.json');
