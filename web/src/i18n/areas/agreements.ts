/** Messages of the agreements pages: Vietnamese first, then English with exactly the same keys. */
export const agreementsVi = {
} satisfies Record<string, string>;

export const agreementsEn: Record<keyof typeof agreementsVi, string> = {
};
