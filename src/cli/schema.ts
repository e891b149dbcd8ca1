import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { printGatewaySchema } from '../graphql/schema';

/** `npm run schema`: regenerates schema.graphql from the code. */
const file = path.join(PROJECT_ROOT, 'schema.graphql');
fs.writeFileSync(file, printGatewaySchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
