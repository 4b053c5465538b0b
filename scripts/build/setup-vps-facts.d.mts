// Types for scripts/build/setup-vps-facts.mjs (a plain JavaScript build script), for its tests.
export const BEGIN: string;
export const END: string;
export const ROLES: string[];
export const TEMPLATES: string[];
export const FILES: string[];
export function jinjaToBash(text: string, where: string, options?: { quote?: boolean }): string;
export function assignment(name: string, value: unknown, where: string): string;
export function handWritten(text: string): string;
export function renderBlock(scriptText: string, readRoleFile?: (rel: string) => string): string;
export function updateScript(text: string, block: string): string;
