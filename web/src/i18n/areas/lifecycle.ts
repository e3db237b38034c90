/** Messages of the lifecycle pages: Vietnamese first, then English with exactly the same keys. */
export const lifecycleVi = {
} satisfies Record<string, string>;

export const lifecycleEn: Record<keyof typeof lifecycleVi, string> = {
};
