import { PolicyPack } from '../../policy/pack.types';
import { decideBeforeRetention, purposeCovers, retentionFor } from '../../policy/decide';
import { categoryRetention } from '../../policy/retention';
import { CustomerState } from '../../policy/customer-state';
import { CategoryInventory, ExportHead, PurposeView } from './collect-document';

/**
 * The export's head: everything small, from the pack, the customer row and the customer's state
 * (purposes, retention, recipients declared, rights). Split out of collect.ts.
 */
export const FORMAT_ID = 'privacy-gateway/subject-export@1';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function buildHead(pack: PolicyPack, now: Date, customer: Record<string, unknown>, state: CustomerState, inv: CategoryInventory[]): ExportHead {
  const raw = pack.raw as Raw;
  const held = inv.map((c) => c.category);
  const purposes: PurposeView[] = [];
  for (const purpose of Object.values(pack.purposes)) {
    const covered = held.filter((c) => purposeCovers(purpose, c));
    if (!covered.length) continue;
    purposes.push({
      key: purpose.key,
      description: purpose.description,
      lawfulBasis: purpose.lawfulBasis,
      directMarketing: purpose.directMarketing,
      packCategories: [...purpose.categories],
      categories: covered.map((category) => {
        const d = decideBeforeRetention(pack, purpose, category, state, now);
        return { category, retention: retentionFor(purpose, category)?.iso ?? null, effect: d.effect, reason: d.reason };
      }),
    });
  }
  return {
    format: FORMAT_ID,
    generatedAt: now.toISOString(),
    subject: {
      customerId: String(customer.id),
      firstName: String(customer.first_name),
      middleName: (customer.middle_name as string | null) ?? null,
      lastName: String(customer.last_name),
    },
    policy: {
      packId: pack.id, title: pack.title, hash: pack.hash,
      effective: raw.pack?.effective == null ? null : raw.pack.effective instanceof Date ? raw.pack.effective.toISOString().slice(0, 10) : String(raw.pack.effective),
      language: pack.language,
    },
    controller: { name: pack.controller.name, contact: stringRecord(pack.controller.contact) },
    dpo: stringRecord(pack.controller.dpo),
    regulator: { name: pack.regulator.name, contact: String(pack.regulator.contact) },
    rights: { granted: [...pack.rights.granted], responseDeadline: pack.rights.responseDeadline.iso },
    categories: inv,
    purposes,
    // What the retention sweep does with each category: the same function decides both.
    retention: held.map((category) => {
      const r = categoryRetention(pack, category, now);
      return {
        category, rule: r.rule, retention: r.retention?.iso ?? null, purpose: r.purpose,
        purposes: r.purposes.map((x) => ({ purpose: x.purpose, retention: x.retention?.iso ?? null })),
      };
    }),
    declaredRecipients: ((raw.recipients ?? []) as Raw[]).map((r) => ({ name: String(r.name), purposes: (r.purposes ?? []).map(String), categories: (r.categories ?? []).map(String) })),
    transfersAbroad: ((raw.transfers_abroad ?? []) as Raw[]).map((t) => ({ country: String(t.country), safeguard: String(t.safeguard) })),
    automatedDecisions: raw.automated_decisions == null ? null : String(raw.automated_decisions),
    sources: ((raw.sources ?? []) as Raw[]).map((s) => ({ key: String(s.key), description: String(s.description) })),
  };
}

function stringRecord(o: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v != null) out[k] = String(v);
  return out;
}
