/**
 * A small subset of IAM policy evaluation for Nscale identity policies: Allow/Deny statements
 * with Action and Resource lists and `*`/`?` wildcards. An explicit Deny wins; nothing allowed
 * means denied. Conditions, NotAction and NotResource are not supported (such statements never match).
 */
export function policyAllows(document: unknown, action: string, resource: string): boolean {
  const statements = asList((document as { Statement?: unknown } | null)?.Statement);
  let allowed = false;
  for (const raw of statements) {
    const st = raw as { Effect?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown } | null;
    if (!st || st.Condition !== undefined) continue;
    const actionMatch = asList(st.Action).some((p) => typeof p === "string" && glob(p, action, true));
    const resourceMatch = asList(st.Resource).some((p) => typeof p === "string" && glob(p, resource, false));
    if (!actionMatch || !resourceMatch) continue;
    if (st.Effect === "Deny") return false;
    if (st.Effect === "Allow") allowed = true;
  }
  return allowed;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, caseInsensitive ? "is" : "s").test(value);
}
