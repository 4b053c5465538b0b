import { run } from '../../toolkit/src/index.js';
import { main } from './main.js';

void run(main);
