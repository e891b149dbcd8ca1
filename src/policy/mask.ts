import { MaskKind } from './pack.types';

/**
 * Masks a value for a purpose that may see only part of it. Strings are masked in place; other
 * values (dates, numbers, booleans, lists) cannot be partially shown and become null.
 */
export function mask(kind: MaskKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return null;
  switch (kind) {
    case 'last4':
      return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 4) + value.slice(-4);
    case 'email': {
      const at = value.indexOf('@');
      return at <= 0 ? '***' : `${value[0]}***${value.slice(at)}`;
    }
    case 'initials':
      return value.split(/\s+/).filter(Boolean).map((w) => `${[...w][0]}.`).join(' ');
    case 'year_only':
      return /^\d{4}-\d{2}-\d{2}/.test(value) ? `${value.slice(0, 4)}-**-**` : '****';
    case 'redact':
      return '[redacted]';
  }
}
