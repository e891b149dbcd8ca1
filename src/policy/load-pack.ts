import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { Document, LineCounter, parseDocument } from 'yaml';
import { dataUseProblem } from '../catalog/data-uses';
import { isKnownCategory } from './taxonomy';
import { parseDuration } from './duration';
import { PACK_SCHEMA } from './pack.schema';
import { fileHash, policyHash } from './pack-hash';
import { keptAfterErasureProblems, RawPurpose } from './legal-hold';
import { CallerEntry, Duration, MaskKind, PolicyPack, Purpose, Role, LawfulBasis } from './pack.types';

/**
 * Loads and validates a policy pack. Every problem is reported as `file:line: key: message`, all
 * of them at once, so a pack author fixes a pack in one pass. The gateway refuses to start on any.
 */
export class PackError extends Error {
  constructor(public readonly file: string, public readonly problems: string[]) {
    super(`Invalid policy pack ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'PackError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(PACK_SCHEMA);

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function locate(doc: Document, lc: LineCounter, keyPath: (string | number)[]): number {
  // Walk up until a node with a position is found (a missing key points at its parent).
  for (let n = keyPath.length; n >= 0; n--) {
    const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

const showPath = (p: (string | number)[]) => p.map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join('') || '(root)';

export function loadPack(file: string): PolicyPack {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new PackError(display, [`${display}: cannot read the file`]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length) {
    throw new PackError(display, doc.errors.map((e) => `${display}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message.split('\n')[0]}`));
  }
  const raw = doc.toJS() as Raw;
  const problems: string[] = [];
  const report = (keyPath: (string | number)[], msg: string) => problems.push(`${display}:${locate(doc, lc, keyPath)}: ${showPath(keyPath)}: ${msg}`);

  if (!validateSchema(raw)) {
    for (const e of validateSchema.errors ?? []) {
      const keyPath = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      if (e.keyword === 'additionalProperties') keyPath.push((e.params as { additionalProperty: string }).additionalProperty);
      report(keyPath, `${e.message}${extra}`);
    }
    throw new PackError(display, problems);
  }
  checkReferences(raw, report);
  if (problems.length) throw new PackError(display, problems);
  return build(raw, file, policyHash(raw), fileHash(text));
}

function checkReferences(raw: Raw, report: (p: (string | number)[], m: string) => void): void {
  const seen = (list: Raw[], what: string, field: string) => {
    const keys = new Set<string>();
    list.forEach((x, i) => {
      if (keys.has(x[field])) report([what, i, field], `duplicate ${field} "${x[field]}"`);
      keys.add(x[field]);
    });
    return keys;
  };
  const categoryList = raw.categories as Raw[];
  categoryList.forEach((c, i) => { if (!isKnownCategory(c.key)) report(['categories', i, 'key'], `"${c.key}" is not in the taxonomy`); });
  ((raw.not_collected ?? []) as Raw[]).forEach((c, i) => { if (!isKnownCategory(c.key)) report(['not_collected', i, 'key'], `"${c.key}" is not in the taxonomy`); });
  seen(categoryList, 'categories', 'key');
  const purposes = seen(raw.purposes, 'purposes', 'key');
  (raw.purposes as Raw[]).forEach((p, i) => {
    (p.categories as string[]).forEach((c, j) => { if (!isKnownCategory(c)) report(['purposes', i, 'categories', j], `"${c}" is not in the taxonomy`); });
    for (const k of Object.keys(p.retention ?? {})) if (k !== 'default' && !isKnownCategory(k)) report(['purposes', i, 'retention', k], `"${k}" is not in the taxonomy`);
    for (const k of Object.keys(p.masking ?? {})) if (!isKnownCategory(k)) report(['purposes', i, 'masking', k], `"${k}" is not in the taxonomy`);
    if (p.data_use !== undefined) {
      const problem = dataUseProblem(p.data_use);
      if (problem) report(['purposes', i, 'data_use'], problem);
    }
    if (p.direct_marketing && ['contract', 'legal_obligation', 'vital_interest'].includes(p.lawful_basis)) {
      report(['purposes', i, 'lawful_basis'], `a direct-marketing purpose cannot rest on ${p.lawful_basis}`);
    }
    for (const [k, m] of keptAfterErasureProblems(p as RawPurpose)) report(['purposes', i, ...k], m);
  });
  seen(raw.callers, 'callers', 'id');
  (raw.callers as Raw[]).forEach((c, i) => (c.purposes as string[]).forEach((p, j) => { if (!purposes.has(p)) report(['callers', i, 'purposes', j], `unknown purpose "${p}"`); }));
  (raw.recipients ?? []).forEach((r: Raw, i: number) => (r.purposes ?? []).forEach((p: string, j: number) => { if (!purposes.has(p)) report(['recipients', i, 'purposes', j], `unknown purpose "${p}"`); }));
  (raw.tests ?? []).forEach((t: Raw, i: number) => { if (!purposes.has(t.purpose)) report(['tests', i, 'purpose'], `unknown purpose "${t.purpose}"`); });
}

function dur(iso: string | undefined): Duration | null {
  return iso === undefined ? null : parseDuration(iso);
}

function build(raw: Raw, file: string, hash: string, fileSha: string): PolicyPack {
  // Null-prototype maps: a purpose or caller named `constructor` or `__proto__` must not resolve.
  const purposes: Record<string, Purpose> = Object.create(null);
  for (const p of raw.purposes as Raw[]) {
    const retention: Record<string, Duration> = {};
    for (const [k, v] of Object.entries((p.retention ?? {}) as Record<string, string>)) if (k !== 'default') retention[k] = parseDuration(v)!;
    purposes[p.key] = {
      key: p.key,
      description: p.description,
      lawfulBasis: p.lawful_basis as LawfulBasis,
      directMarketing: p.direct_marketing === true,
      dataUse: p.data_use ?? null,
      categories: p.categories,
      retentionDefault: dur(p.retention?.default),
      retention,
      masking: (p.masking ?? {}) as Record<string, MaskKind>,
      consentValidity: dur(p.consent_validity),
      keptAfterErasure: p.kept_after_erasure ?? [],
      cite: p.cite ?? null,
    };
  }
  const callers: Record<string, CallerEntry> = Object.create(null);
  for (const c of raw.callers as Raw[]) callers[c.id] = { id: c.id, purposes: c.purposes, roles: c.roles as Role[] };
  const categories: Record<string, { sensitive: boolean }> = Object.create(null);
  for (const c of raw.categories as Raw[]) categories[c.key] = { sensitive: c.sensitive === true };
  return {
    id: raw.pack.id,
    title: raw.pack.title,
    hash,
    fileHash: fileSha,
    file,
    language: raw.pack.language ?? 'en',
    controller: raw.controller,
    regulator: raw.regulator,
    rights: { responseDeadline: parseDuration(raw.rights.response_deadline)!, granted: raw.rights.granted },
    accessLogRetention: dur(raw.access_log_retention),
    categories,
    notCollected: ((raw.not_collected ?? []) as Raw[]).map((c) => String(c.key)),
    minors: { age: raw.minors.age, withoutGuardianConsent: raw.minors.without_guardian_consent, appliesTo: raw.minors.applies_to ?? 'consent' },
    purposes,
    callers,
    raw,
  };
}
