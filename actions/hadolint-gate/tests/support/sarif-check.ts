/**
 * Structural checks of a SARIF 2.1.0 log, the parts GitHub code scanning insists on. No schema is vendored
 * here; these are the constraints of the 2.1.0 schema that our output exercises.
 */
// The log is walked field by field, so it is loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const l = log as Loose;
  if (l?.version !== '2.1.0') problems.push('version is not 2.1.0');
  if (typeof l?.$schema !== 'string' || !l.$schema.includes('sarif-2.1.0'))
    problems.push('$schema is not 2.1.0');
  if (!Array.isArray(l?.runs) || l.runs.length !== 1) return [...problems, 'runs is not an array of one run'];
  const run = l.runs[0];
  const driver = run?.tool?.driver;
  if (driver?.name !== 'hadolint') problems.push('tool.driver.name is not hadolint');
  if (typeof driver?.version !== 'string' || !/^\d+\.\d+\.\d+/.test(driver.version))
    problems.push('tool.driver.version is not a version');
  if (!/^https:\/\//.test(driver?.informationUri ?? ''))
    problems.push('tool.driver.informationUri is not a URL');
  if (!Array.isArray(driver?.rules)) problems.push('tool.driver.rules is not an array');
  const ids: string[] = (driver?.rules ?? []).map((r: { id?: unknown }) => r.id);
  if (new Set(ids).size !== ids.length) problems.push('rule ids are not unique');
  for (const rule of driver?.rules ?? []) {
    if (typeof rule.id !== 'string' || rule.id === '') problems.push('a rule has no id');
    try {
      new URL(rule.helpUri);
    } catch {
      problems.push(`rule ${rule.id} has no valid helpUri`);
    }
  }
  if (!Array.isArray(run.results)) return [...problems, 'results is not an array'];
  run.results.forEach((r: Loose, i: number) => {
    const at = `results[${i}]`;
    if (!ids.includes(r.ruleId)) problems.push(`${at}.ruleId ${r.ruleId} is not a rule`);
    if (r.ruleIndex !== undefined && ids[r.ruleIndex] !== r.ruleId) problems.push(`${at}.ruleIndex is wrong`);
    if (!['none', 'note', 'warning', 'error'].includes(r.level))
      problems.push(`${at}.level ${r.level} is invalid`);
    if (typeof r.message?.text !== 'string' || r.message.text === '')
      problems.push(`${at}.message.text is empty`);
    const loc = r.locations?.[0]?.physicalLocation;
    const uri: unknown = loc?.artifactLocation?.uri;
    if (
      typeof uri !== 'string' ||
      uri === '' ||
      uri.startsWith('/') ||
      uri.includes('\\') ||
      /^[a-z]+:/i.test(uri)
    )
      problems.push(`${at} uri ${String(uri)} is not a relative, forward-slash URI`);
    for (const key of ['startLine', 'startColumn']) {
      const v = loc?.region?.[key];
      if (!Number.isInteger(v) || v < 1) problems.push(`${at}.region.${key} ${v} is not an integer >= 1`);
    }
  });
  return problems;
}
