// Deterministic local embeddings: feature hashing of normalised word unigrams and bigrams into a fixed
// dimension, L2-normalised. No model download, identical output on every machine, good enough to show how
// a vector retriever complements full-text search (it matches partial vocabulary overlap and word pairs).

export const EMBEDDING_DIMENSION = 512;

const STOPWORDS = new Set(
  (
    'a an and are as at be by can do does for from has have how i if in into is it its my of on or our so ' +
    'than that the their them then there these this to was we what when where which while who why will with ' +
    'you your'
  ).split(' '),
);

/** Lowercase, strip accents, split on anything that is not a letter or digit, drop stopwords, fold plurals. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !STOPWORDS.has(word))
    .map(foldPlural);
}

function foldPlural(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) {
    return word.slice(0, -1);
  }
  return word;
}

/** 32-bit FNV-1a: tiny, fast, stable across platforms. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function features(tokens: readonly string[]): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (feature: string, weight: number): void => {
    weights.set(feature, (weights.get(feature) ?? 0) + weight);
  };
  tokens.forEach((token, i) => {
    add(token, 1);
    const next = tokens[i + 1];
    if (next !== undefined) add(`${token} ${next}`, 0.5);
  });
  return weights;
}

export function l2normalize(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

export function embed(text: string, dimension = EMBEDDING_DIMENSION): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const [feature, weight] of features(tokenize(text))) {
    const hash = fnv1a(feature);
    // A second, independent hash picks the sign so that collisions cancel out on average.
    const sign = fnv1a(feature, 0x9747b28c) & 1 ? 1 : -1;
    // Sublinear term frequency: a word repeated ten times is not ten times as relevant.
    vector[hash % dimension]! += sign * (1 + Math.log(weight));
  }
  return l2normalize(vector);
}
