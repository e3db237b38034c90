/** Messages of the registry pages: Vietnamese first, then English with exactly the same keys. */
export const registryVi = {
} satisfies Record<string, string>;

export const registryEn: Record<keyof typeof registryVi, string> = {
};
