// Quick-reply variables (Q3): which {{…}} placeholders a template may use, finding unknown ones before a template is
// saved, and rendering a text for one ticket's client and operator. Pure: values in, text out.
import { invalid } from './errors';

export const TEMPLATE_VARIABLES = ['client.name', 'client.email', 'client.phone', 'operator.name'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string | undefined>>;

// Spaces inside the braces are tolerated ("{{ client.name }}"), as people type them.
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const isKnown = (name: string): name is TemplateVariable => (TEMPLATE_VARIABLES as readonly string[]).includes(name);

/** Every placeholder in the text that is not a known variable, in order of appearance, once each. */
export function unknownVariables(text: string): string[] {
  const unknown = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!isKnown(name)) unknown.add(name);
  }
  return [...unknown];
}

/** Q3: refuses a text with an unknown variable, naming it and the variables that exist. */
export function assertKnownVariables(text: string): void {
  const [first, ...rest] = unknownVariables(text);
  if (first === undefined) return;
  const names = [first, ...rest].map((name) => `{{${name}}}`).join(', ');
  throw invalid(
    `text: unknown variable ${names}; the variables are ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
    { variables: [first, ...rest] },
  );
}

/** Replaces each variable with its value; a value the profile does not have renders as nothing. */
export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (isKnown(name) ? (values[name] ?? '') : whole));
}

/** Q1/Q4: a command as typed after "/" or "\" (the slash itself is optional), case-folded. */
export function normalizeCommand(typed: string): string {
  return typed
    .trim()
    .replace(/^[/\\]/, '')
    .normalize('NFKC')
    .toLowerCase();
}

export const COMMAND_PATTERN = /^[\p{L}\p{N}_-]{1,32}$/u;
