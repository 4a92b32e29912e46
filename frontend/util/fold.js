// Diacritics folding for search: "Phường Bắc Hồng" -> "phuong bac hong".
export const fold = (s) =>
  String(s || '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();

/**
 * True when every word of the folded query starts a word of the folded haystack, so that
 * "hong" finds "Bắc Hồng" but not "Phòng".
 */
export const matches = (hay, q) => {
  const words = hay.split(/[\s,.;:()\-–/]+/);
  return q.split(' ').every((w) => words.some((t) => t.startsWith(w)));
};
