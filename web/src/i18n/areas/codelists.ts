/** Messages of the codelists pages: Vietnamese first, then English with exactly the same keys. */
export const codelistsVi = {
} satisfies Record<string, string>;

export const codelistsEn: Record<keyof typeof codelistsVi, string> = {
};
