// Diacritics folding for search: "Phường Bắc Hồng" -> "phuong bac hong".
export const fold = (s) =>
  String(s || '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();

/** True when every word of the folded query occurs in the folded haystack. */
export const matches = (hay, q) => q.split(' ').every((w) => hay.includes(w));
