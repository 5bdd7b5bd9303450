/** Canonical textual UUID (any version), as Postgres's uuid type prints it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lets a lookup by a malformed id answer "not found" instead of a database type error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
