import { run } from '../../toolkit/src/index.js';
import { main, post } from './main.js';

void run(main, post);
