import { DataRecord, ExportHead, ExportPart, HistoryList, Recipient } from './collect';
import { CATEGORY, durationLabel, FIELD, HISTORY, labelFor, SECTION, VALUE } from './labels';

/**
 * Renders the export as one self-contained HTML page a DPO can send the customer: inline CSS, no
 * script, no external resource (the response also carries a CSP that forbids any), labels in the
 * pack's language (Thai and English for `th`). Every value is escaped: it is user data.
 *
 * Written as the parts come (one table row per record), so a long history never sits in memory:
 * the summary at the top, then the data by category, the history, the recipients, and at the end
 * purposes, retention, transfers, rights and contacts (all from the head).
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]);

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/;

const CSS = `
*{box-sizing:border-box}
body{font-family:"Loma","Noto Sans Thai","Sarabun","Tahoma",system-ui,sans-serif;color:#1f2933;background:#f5f7fa;margin:0;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px;background:#fff}
header{border-bottom:3px solid #2f5d8a;padding-bottom:12px;margin-bottom:16px}
h1{font-size:1.6rem;margin:0 0 4px;color:#2f5d8a}
h2{font-size:1.25rem;margin:32px 0 8px;color:#2f5d8a;border-bottom:1px solid #d9e2ec;padding-bottom:4px}
h3{font-size:1.05rem;margin:20px 0 6px}
.name{font-size:1.35rem;font-weight:bold;margin:6px 0}
.meta{color:#52606d;font-size:.9rem}
.intro{background:#eef4fb;border-left:4px solid #2f5d8a;padding:8px 12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:.88rem}
th,td{border:1px solid #d9e2ec;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f4f8;font-weight:600}
tr:nth-child(even) td{background:#fafbfc}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85em;color:#52606d}
.deny{color:#9b1c1c}
.allow{color:#1c6b3a}
.muted{color:#7b8794}
ul{margin:4px 0 12px}
footer{margin-top:32px;color:#7b8794;font-size:.8rem;border-top:1px solid #d9e2ec;padding-top:8px}
@media print{body{background:#fff}main{padding:0}}
`;

export class HtmlRenderer {
  private head!: ExportHead;
  private lang: 'th' | 'en' = 'en';
  private sources = new Map<string, string>();
  private purposes = new Map<string, string>();
  /** What is open: a category section's table (of one record type), a history table, the recipients table. */
  private open: { kind: 'category'; type: string | null } | { kind: 'history'; list: HistoryList; columns: string[] | null } | { kind: 'recipients'; rows: number } | null = null;
  private historyStarted = false;

  private s(key: string): string {
    return esc(labelFor(SECTION, key, this.lang));
  }

  start(head: ExportHead): string {
    this.head = head;
    this.lang = head.policy.language;
    for (const x of head.sources) this.sources.set(x.key, x.description);
    for (const p of head.purposes) this.purposes.set(p.key, p.description);
    const name = [head.subject.firstName, head.subject.middleName, head.subject.lastName].filter(Boolean).join(' ');
    const summary = head.categories
      .map((c) => `<tr><td><a href="#cat-${esc(c.category)}">${esc(labelFor(CATEGORY, c.category, this.lang))}</a> <code>${esc(c.category)}</code></td><td>${esc(c.count)}</td></tr>`)
      .join('');
    return `<!doctype html>
<html lang="${this.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${this.s('title')}: ${esc(name)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${this.s('title')}</h1>
<div class="name" id="subject-name">${esc(name)}</div>
<div class="meta">${this.s('customerId')}: <code>${esc(head.subject.customerId)}</code> · ${this.s('generatedAt')}: ${esc(this.time(head.generatedAt))} · ${esc(head.controller.name)}</div>
</header>
<p class="intro">${this.s('intro')}</p>
<h2>${this.s('summary')}</h2>
<table><thead><tr><th>${this.s('category')}</th><th>${this.s('records')}</th></tr></thead><tbody>${summary}</tbody></table>
<h2 id="personal-data">${this.s('personalData')}</h2>
`;
  }

  part(p: ExportPart): string {
    switch (p.kind) {
      case 'category': {
        const out = this.close();
        this.open = { kind: 'category', type: null };
        return `${out}<section class="category"><h3 id="cat-${esc(p.category)}">${esc(labelFor(CATEGORY, p.category, this.lang))} <code>${esc(p.category)}</code> <span class="muted">(${esc(p.count)})</span></h3>\n`;
      }
      case 'records':
        return p.records.map((r) => this.record(r)).join('');
      case 'history': {
        let out = this.close();
        if (!this.historyStarted) {
          this.historyStarted = true;
          out += `<h2 id="history">${this.s('history')}</h2>\n`;
        }
        this.open = { kind: 'history', list: p.list, columns: null };
        return `${out}<h3>${esc(labelFor(HISTORY, p.list, this.lang))}</h3>\n`;
      }
      case 'events':
        return p.events.map((e) => this.event(e)).join('');
      case 'recipients': {
        const out = this.close();
        this.open = { kind: 'recipients', rows: 0 };
        return `${out}<h2 id="recipients">${this.s('recipients')}</h2>\n<p class="muted">${this.s('recipientsNote')}</p>\n`;
      }
      case 'recipientRows':
        return p.rows.map((r) => this.recipient(r)).join('');
    }
  }

  end(): string {
    const h = this.head;
    const L = this.lang;
    let out = this.close();

    out += `<h2 id="purposes">${this.s('purposes')}</h2>\n<table><thead><tr><th>${this.s('purpose')}</th><th>${this.s('lawfulBasis')}</th><th>${this.s('category')}</th><th>${this.s('purposeRetention')}</th><th>${this.s('status')}</th></tr></thead><tbody>`;
    for (const p of h.purposes) {
      p.categories.forEach((c, i) => {
        const first = i === 0 ? `<td rowspan="${p.categories.length}">${esc(p.description)} <code>${esc(p.key)}</code></td><td rowspan="${p.categories.length}">${esc(labelFor(VALUE, p.lawfulBasis, L))}</td>` : '';
        const status = c.effect === 'DENY'
          ? `<span class="deny">${this.s('notInUse')}: ${esc(labelFor(VALUE, c.reason ?? '', L))}</span>`
          : `<span class="allow">${this.s('inUse')}${c.effect === 'MASK' ? ` (${esc(labelFor(VALUE, 'MASK', L))})` : ''}</span>`;
        out += `<tr>${first}<td>${esc(labelFor(CATEGORY, c.category, L))}</td><td>${c.retention ? esc(durationLabel(c.retention, L)) : this.s('noLimit')}</td><td>${status}</td></tr>`;
      });
    }
    out += `</tbody></table>\n`;

    // What the retention sweep does with each category (src/policy/retention.ts).
    out += `<h2 id="retention">${this.s('retention')}</h2>\n<p class="muted">${this.s('retentionNote')}</p>\n`;
    out += `<table id="retention-table"><thead><tr><th>${this.s('category')}</th><th>${this.s('keptFor')}</th><th>${this.s('setBy')}</th><th>${this.s('perPurpose')}</th></tr></thead><tbody>`;
    for (const r of h.retention) {
      const kept = r.rule === 'retention' ? esc(durationLabel(r.retention!, L))
        : r.rule === 'no_limit' ? this.s('untilErased') : r.rule === 'not_collected' ? this.s('notCollected') : this.s('noPurpose');
      const by = r.purpose ? `${esc(this.purposes.get(r.purpose) ?? r.purpose)} <code>${esc(r.purpose)}</code>` : '—';
      const per = r.purposes.map((x) => `${esc(this.purposes.get(x.purpose) ?? x.purpose)}: ${x.retention ? esc(durationLabel(x.retention, L)) : this.s('noLimit')}`).join('<br>') || '—';
      out += `<tr><td>${esc(labelFor(CATEGORY, r.category, L))} <code>${esc(r.category)}</code></td><td>${kept}</td><td>${by}</td><td>${per}</td></tr>`;
    }
    out += `</tbody></table>\n`;

    out += `<h2 id="declared-recipients">${this.s('declaredRecipients')}</h2>\n`;
    out += h.declaredRecipients.length
      ? `<table><thead><tr><th>${this.s('name')}</th><th>${this.s('purpose')}</th><th>${this.s('category')}</th></tr></thead><tbody>${h.declaredRecipients
        .map((r) => `<tr><td>${esc(r.name)}</td><td>${r.purposes.map((p) => esc(this.purposes.get(p) ?? p)).join(', ')}</td><td>${r.categories.map((c) => esc(labelFor(CATEGORY, c, L))).join(', ')}</td></tr>`).join('')}</tbody></table>\n`
      : `<p>${this.s('none')}</p>\n`;

    out += `<h2 id="transfers">${this.s('transfers')}</h2>\n`;
    out += h.transfersAbroad.length
      ? `<table><thead><tr><th>${this.s('country')}</th><th>${this.s('safeguard')}</th></tr></thead><tbody>${h.transfersAbroad.map((t) => `<tr><td>${esc(t.country)}</td><td>${esc(t.safeguard)}</td></tr>`).join('')}</tbody></table>\n`
      : `<p>${this.s('noTransfers')}</p>\n`;

    out += `<h2 id="automated">${this.s('automated')}</h2>\n<p>${h.automatedDecisions ? esc(h.automatedDecisions) : this.s('none')}</p>\n`;

    out += `<h2 id="sources">${this.s('sources')}</h2>\n<ul>${h.sources.map((x) => `<li>${esc(x.description)} <code>${esc(x.key)}</code></li>`).join('')}</ul>\n`;

    out += `<h2 id="rights">${this.s('rights')}</h2>\n<ul>${h.rights.granted.map((r) => `<li>${esc(labelFor(VALUE, r, L))}</li>`).join('')}</ul>\n`;
    out += `<p>${this.s('responseDeadline')}: <strong>${esc(durationLabel(h.rights.responseDeadline, L))}</strong></p>\n`;

    const contact = (c: Record<string, string>) =>
      Object.entries(c).map(([k, v]) => (k === 'name' ? esc(v) : `${this.s(k === 'email' || k === 'phone' || k === 'address' ? k : 'website')}: ${esc(v)}`)).join('<br>');
    out += `<h2 id="contacts">${this.s('contacts')}</h2>\n<table><tbody>`;
    out += `<tr><th>${this.s('controller')}</th><td>${esc(h.controller.name)}<br>${contact(h.controller.contact)}</td></tr>`;
    out += `<tr><th>${this.s('dpo')}</th><td>${contact(h.dpo)}</td></tr>`;
    out += `<tr><th>${this.s('regulator')}</th><td>${esc(h.regulator.name)}<br>${this.s('website')}: ${esc(h.regulator.contact)}</td></tr>`;
    out += `</tbody></table>\n`;

    out += `<footer>${this.s('policy')}: ${esc(h.policy.title)} (<code>${esc(h.policy.packId)}</code>${h.policy.effective ? `, ${esc(h.policy.effective)}` : ''}) · policy hash <code>${esc(h.policy.hash)}</code> · ${esc(h.format)} · ${this.s('end')}</footer>\n</main>\n</body>\n</html>\n`;
    return out;
  }

  /** Closes whatever table or section is open. */
  private close(): string {
    const o = this.open;
    this.open = null;
    if (!o) return '';
    if (o.kind === 'category') return `${o.type !== null ? '</tbody></table>\n' : ''}</section>\n`;
    if (o.kind === 'history') return o.columns !== null ? '</tbody></table>\n' : `<p class="muted">${this.s('none')}</p>\n`;
    return o.rows > 0 ? '</tbody></table>\n' : `<p>${this.s('none')}</p>\n`;
  }

  private record(r: DataRecord): string {
    const o = this.open;
    if (!o || o.kind !== 'category') return '';
    let out = '';
    if (o.type !== r.type) {
      if (o.type !== null) out += '</tbody></table>\n';
      o.type = r.type;
      const cols = Object.keys(r.values).map((k) => `<th>${esc(labelFor(FIELD, k, this.lang))}</th>`).join('');
      out += `<table><thead><tr>${cols}<th>${this.s('source')}</th><th>${this.s('collectedAt')}</th><th>${this.s('record')}</th></tr></thead><tbody>\n`;
    }
    const cells = Object.values(r.values).map((v) => `<td>${this.value(v)}</td>`).join('');
    const ref = `<code>${esc(r.type)} ${esc(r.id)}</code>${r.parent ? ` <span class="muted">${this.s('partOf')} ${esc(r.parent.type)} ${esc(r.parent.id)}</span>` : ''}`;
    return `${out}<tr>${cells}<td>${this.source(r.source)}</td><td>${esc(this.time(r.collectedAt))}</td><td>${ref}</td></tr>\n`;
  }

  private event(e: Record<string, unknown>): string {
    const o = this.open;
    if (!o || o.kind !== 'history') return '';
    let out = '';
    const keys = Object.keys(e).filter((k) => k !== 'id');
    if (o.columns === null) {
      o.columns = keys;
      out += `<table><thead><tr>${keys.map((k) => `<th>${esc(labelFor(FIELD, k, this.lang))}</th>`).join('')}</tr></thead><tbody>\n`;
    }
    const cell = (k: string) => {
      const v = e[k];
      if (v === null || v === undefined) return '<span class="muted">—</span>';
      if (k === 'purpose') return `${esc(this.purposes.get(String(v)) ?? String(v))} <code>${esc(v)}</code>`;
      if (k === 'category') return esc(labelFor(CATEGORY, String(v), this.lang));
      if (k === 'action' || k === 'givenBy') return esc(labelFor(VALUE, String(v), this.lang));
      if (k === 'source') return this.source(String(v));
      return this.value(v);
    };
    return `${out}<tr>${o.columns.map((k) => `<td>${cell(k)}</td>`).join('')}</tr>\n`;
  }

  private recipient(r: Recipient): string {
    const o = this.open;
    if (!o || o.kind !== 'recipients') return '';
    let out = '';
    if (o.rows++ === 0) {
      out += `<table id="recipients-table"><thead><tr><th>${this.s('caller')}</th><th>${this.s('purpose')}</th><th>${this.s('category')}</th><th>${this.s('effect')}</th><th>${this.s('firstAt')}</th><th>${this.s('lastAt')}</th><th>${this.s('count')}</th></tr></thead><tbody>\n`;
    }
    const purpose = r.purpose === null ? '<span class="muted">—</span>' : `${esc(this.purposes.get(r.purpose) ?? r.purpose)} <code>${esc(r.purpose)}</code>`;
    return `${out}<tr><td>${esc(r.caller)}</td><td>${purpose}</td><td>${esc(labelFor(CATEGORY, r.category, this.lang))} <code>${esc(r.category)}</code></td><td>${esc(labelFor(VALUE, r.effect, this.lang))}</td><td>${esc(this.time(r.firstAt))}</td><td>${esc(this.time(r.lastAt))}</td><td>${esc(r.count)}</td></tr>\n`;
  }

  private value(v: unknown): string {
    if (v === null || v === undefined) return '<span class="muted">—</span>';
    if (typeof v === 'boolean') return this.s(v ? 'yes' : 'no');
    if (Array.isArray(v)) return v.length ? v.map((x) => esc(x)).join(', ') : '<span class="muted">—</span>';
    if (typeof v === 'string') return esc(this.time(v));
    return esc(v);
  }

  private source(key: string): string {
    const d = this.sources.get(key);
    return d ? `${esc(d)} <code>${esc(key)}</code>` : `<code>${esc(key)}</code>`;
  }

  /** An ISO timestamp as "YYYY-MM-DD HH:MM:SS UTC"; anything else as it is. */
  private time(s: string): string {
    const m = TIMESTAMP.exec(s);
    return m ? `${m[1]} ${m[2]} UTC` : s;
  }
}
