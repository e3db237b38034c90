/** Messages of the catalog pages: Vietnamese first, then English with exactly the same keys. */
export const catalogVi = {
} satisfies Record<string, string>;

export const catalogEn: Record<keyof typeof catalogVi, string> = {
};
