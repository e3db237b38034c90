/** Messages of the dashboard pages: Vietnamese first, then English with exactly the same keys. */
export const dashboardVi = {
} satisfies Record<string, string>;

export const dashboardEn: Record<keyof typeof dashboardVi, string> = {
};
