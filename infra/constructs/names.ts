/** `first-email-relay` → `FirstEmailRelay`: how workflow and task names become construct ids. */
export function pascalCase(kebab: string): string {
  return kebab
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
