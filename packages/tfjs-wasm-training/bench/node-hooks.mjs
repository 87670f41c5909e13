import { register } from 'node:module';

register('./resolve-extensionless.mjs', import.meta.url);
