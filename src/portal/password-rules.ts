// Password strength rules for sign-up, reset and change. Each failed rule is reported, so the page can
// say everything that is wrong at once.

export const minPasswordLength = 10;

const common = new Set([
  "password",
  "password1",
  "password123",
  "1234567890",
  "qwertyuiop",
  "letmein123",
  "welcome123",
  "iloveyou12",
  "administrator",
]);

export function checkPassword(password: string, context: { email?: string; name?: string } = {}): string[] {
  const problems: string[] = [];
  if (password.length < minPasswordLength) problems.push(`Password must be at least ${minPasswordLength} characters.`);
  if (password.length > 128) problems.push("Password must be at most 128 characters.");
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) problems.push("Password must mix at least three of: lower-case, upper-case, digits, symbols.");
  if (common.has(password.toLowerCase())) problems.push("Password is too common.");
  const local = context.email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 3 && password.toLowerCase().includes(local))
    problems.push("Password must not contain your e-mail name.");
  return problems;
}

// Deliberately simple: one @, a dot in the domain, no spaces; the confirmation mail proves the rest.
const emailPattern =
  /^[^\s@"<>()[\]\\,;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && emailPattern.test(value);
}
