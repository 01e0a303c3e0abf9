// Types of scripts/dist.mjs.
export function targetsOf(args: string[], host?: string): [string, string][];
