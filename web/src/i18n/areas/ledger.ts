/** Messages of the ledger pages: Vietnamese first, then English with exactly the same keys. */
export const ledgerVi = {
} satisfies Record<string, string>;

export const ledgerEn: Record<keyof typeof ledgerVi, string> = {
};
