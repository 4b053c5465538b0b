// The bundled corpus: short platform-engineering notes in corpus/documents.json, validated on load.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface CorpusDocument {
  id: string;
  title: string;
  body: string;
  tags: string[];
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function parseCorpus(json: string, source: string): CorpusDocument[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error(`${source}: expected a JSON array of documents.`);
  const seen = new Set<string>();
  return data.map((item: unknown, index) => {
    const doc = item as Partial<CorpusDocument>;
    const where = `${source}: document ${index}`;
    if (typeof doc.id !== 'string' || !ID.test(doc.id))
      throw new Error(`${where}: id must be a kebab-case slug.`);
    if (seen.has(doc.id)) throw new Error(`${where}: duplicate id "${doc.id}".`);
    seen.add(doc.id);
    if (typeof doc.title !== 'string' || doc.title.trim() === '')
      throw new Error(`${where}: title is empty.`);
    if (typeof doc.body !== 'string' || doc.body.trim() === '') throw new Error(`${where}: body is empty.`);
    const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
    return { id: doc.id, title: doc.title.trim(), body: doc.body.trim(), tags };
  });
}

export function loadCorpus(file: string): CorpusDocument[] {
  return parseCorpus(readFileSync(file, 'utf8'), file);
}

export function contentHash(doc: CorpusDocument): string {
  return createHash('sha256')
    .update(JSON.stringify([doc.title, doc.body, doc.tags]))
    .digest('hex');
}
