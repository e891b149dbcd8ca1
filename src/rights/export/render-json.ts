import { ExportHead, ExportPart } from './collect';

/**
 * Renders the export as one JSON document (docs/subject-export.schema.json), chunk by chunk:
 * the head's members first, then `personalData`, `history` and `recipients`, whose arrays are
 * written a page at a time. Each call returns the text to append; nothing is kept but the
 * position in the document.
 *
 *   { ...head, "personalData": [ { "category", "count": N, "records": [ ... ] }, ... ],
 *     "history": { "consents": [ ... ], ... }, "recipients": [ ... ] }
 */
export class JsonRenderer {
  private section: 'head' | 'personalData' | 'history' | 'recipients' = 'head';
  /** Whether the array being written already has an item (a comma goes before the next). */
  private itemWritten = false;
  private groupOpen = false;
  private historyListOpen = false;

  start(head: ExportHead): string {
    const text = JSON.stringify(head);
    // The head's members, with the document left open for the sections that follow.
    return `${text.slice(0, -1)},"personalData":[`;
  }

  part(p: ExportPart): string {
    switch (p.kind) {
      case 'category': {
        const close = this.groupOpen ? ']},' : '';
        this.groupOpen = true;
        this.itemWritten = false;
        this.section = 'personalData';
        return `${close}{"category":${JSON.stringify(p.category)},"count":${p.count},"records":[`;
      }
      case 'records':
        return this.items(p.records);
      case 'history': {
        let text = '';
        if (this.section !== 'history') {
          text = `${this.groupOpen ? ']}' : ''}],"history":{`;
          this.groupOpen = false;
          this.section = 'history';
        } else if (this.historyListOpen) {
          text = '],';
        }
        this.historyListOpen = true;
        this.itemWritten = false;
        return `${text}${JSON.stringify(p.list)}:[`;
      }
      case 'events':
        return this.items(p.events);
      case 'recipients':
        this.section = 'recipients';
        this.itemWritten = false;
        return `${this.historyListOpen ? ']' : ''}},"recipients":[`;
      case 'recipientRows':
        return this.items(p.rows);
    }
  }

  end(): string {
    return ']}\n';
  }

  private items(list: readonly unknown[]): string {
    if (!list.length) return '';
    const text = list.map((x) => JSON.stringify(x)).join(',');
    const out = this.itemWritten ? `,${text}` : text;
    this.itemWritten = true;
    return out;
  }
}
