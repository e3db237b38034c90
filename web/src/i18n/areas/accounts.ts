/** Messages of the accounts pages: Vietnamese first, then English with exactly the same keys. */
export const accountsVi = {
} satisfies Record<string, string>;

export const accountsEn: Record<keyof typeof accountsVi, string> = {
};
