/** type name -> categories of its tagged fields; filled once when the schema is built (schema.ts). */
export const TYPE_CATEGORIES = new Map<string, string[]>();
