// Fails when rebuilding would change a committed generated file (bundles, workflows, action READMEs, the
// engine's rules, the facts block of infra/scripts/setup-vps.sh, Grafana dashboards).
// Runs `npm run build`, then asks git whether anything tracked or untracked under the generated paths differs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const generated = [
  'actions/*/dist',
  '.github/workflows',
  'workflows-src/local-actions.generated.ts',
  'infra/deploy-engine/lib/rules.generated.sh',
  'infra/scripts/setup-vps.sh',
  'infra/monitoring/grafana/dashboards',
];

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...generated], {
  cwd: root,
  encoding: 'utf8',
});
if (status.trim() !== '') {
  console.error('check: a rebuild changed generated files that are committed:\n' + status);
  console.error('check: run `npm run build` and commit the result.');
  execFileSync('git', ['--no-pager', 'diff', '--stat', '--', ...generated], { cwd: root, stdio: 'inherit' });
  process.exit(1);
}
console.log('check: generated files are up to date');
