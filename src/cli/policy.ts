import { loadPack, PackError } from '../policy/load-pack';
import { lintPack, runPackTests } from '../policy/pack-tests';
import { buildBareSchema } from '../graphql/schema';
import { categoriesByType } from '../graphql/plan';

/**
 * `npm run policy -- check <pack.yaml> [more.yaml ...]`: validates each pack against its schema,
 * lints it (every held category has a purpose and a retention, or is listed under not_collected;
 * the GraphQL schema's categories), and runs its own test cases. Prints the policy hash (the
 * rules, src/policy/pack-hash.ts) and the file's sha256.
 * Exits 1 on any validation error, lint error or warning, or failing test.
 */
function check(file: string, schemaCategories: string[]): boolean {
  let pack;
  try {
    pack = loadPack(file);
  } catch (err) {
    if (err instanceof PackError) {
      process.stdout.write(`FAIL ${file}\n  ${err.problems.join('\n  ')}\n`);
      return false;
    }
    throw err;
  }
  const { errors, warnings, notes } = lintPack(pack, schemaCategories);
  const { run, failures, problems } = runPackTests(pack);
  const ok = !errors.length && !warnings.length && !failures.length && !problems.length;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${file} (${pack.id}): ${Object.keys(pack.purposes).length} purposes, ${run} expectations, ${failures.length} failed, ${errors.length} errors, ${warnings.length + problems.length} lint\n`);
  process.stdout.write(`  policy hash ${pack.hash} (rules), file sha256 ${pack.fileHash}\n`);
  for (const e of errors) process.stdout.write(`  error: ${e}\n`);
  for (const w of [...warnings, ...problems]) process.stdout.write(`  lint: ${w}\n`);
  if (process.env.VERBOSE) for (const n of notes) process.stdout.write(`  note: ${n}\n`);
  else if (notes.length) process.stdout.write(`  ${notes.length} notes (categories held outside the gateway's stores; VERBOSE=1 lists them)\n`);
  for (const f of failures) {
    process.stdout.write(`  test "${f.test}" ${f.category}: expected ${f.expected.effect}${f.expected.reason ? ` ${f.expected.reason}` : ''}, got ${f.actual.effect}${f.actual.reason ? ` ${f.actual.reason}` : ''} (rule ${f.actual.rule})\n`);
  }
  return ok;
}

function main(argv: string[]): number {
  if (argv[0] !== 'check' || argv.length < 2) {
    process.stderr.write('usage: npm run policy -- check <pack.yaml> [more.yaml ...]\n');
    return 2;
  }
  const schemaCategories = [...new Set([...categoriesByType(buildBareSchema()).values()].flat())];
  let ok = true;
  for (const f of argv.slice(1)) ok = check(f, schemaCategories) && ok;
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
