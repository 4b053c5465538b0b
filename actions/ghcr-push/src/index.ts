import { run } from '../../toolkit/src/index.js';
import { main } from './main.js';
import { post } from './post.js';

void run(main, post);
