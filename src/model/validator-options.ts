/** Options of the values validator, shared by the runtime compile and the build-time one. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;
