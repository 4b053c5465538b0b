/**
 * Writes infra/deploy-engine/lib/rules.generated.sh, the deploy engine's validation patterns, from the one
 * definition of Slipway's domain rules (actions/toolkit/src/rules.ts). `npm run rules`; part of `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBashRules } from '../../actions/toolkit/src/rules.js';

const RULES_FILE = 'infra/deploy-engine/lib/rules.generated.sh';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
fs.writeFileSync(path.join(root, RULES_FILE), renderBashRules(), { mode: 0o644 });
