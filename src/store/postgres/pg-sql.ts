// Every statement of the PostgreSQL store, built once per store for its schema. The schema and channel
// are validated identifiers, never user data, so interpolating them is safe; values are parameters.
export function createPgSql(schema: string, channel: string) {
  const s = `"${schema}"`;
  const upsert = `ON CONFLICT (kind, id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
    properties = excluded.properties, etag = excluded.etag, revision = excluded.revision`;
  return {
    // Simple-protocol batches (no parameters): one round trip each. In READ COMMITTED every statement
    // takes a fresh snapshot, so reads after the lock see everything committed before it.
    begin: `BEGIN; SELECT revision FROM ${s}.store_state WHERE id = 1 FOR UPDATE`,
    commit: (revision: number) =>
      `UPDATE ${s}.store_state SET revision = ${revision} WHERE id = 1; SELECT pg_notify('${channel}', '${revision}'); COMMIT`,
    // The common case, a lone put without preconditions, as one autocommit statement: the UPDATE takes
    // the revision row lock first, so it serialises with every other write exactly like the long path.
    fastPut: `WITH bumped AS (
        UPDATE ${s}.store_state SET revision = revision + 1 WHERE id = 1 RETURNING revision
      ), written AS (
        INSERT INTO ${s}.entities (kind, id, parent_id, name, properties, etag, revision)
        SELECT $1, $2, $3, $4, $5, '"' || to_hex(revision) || '-' || $6::text || '"', revision FROM bumped
        ${upsert}
        RETURNING etag, revision
      ), logged AS (
        INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name, properties, etag)
        SELECT revision, 'put', $1, $2, $3, $4, $5, etag FROM written
      )
      SELECT etag, revision, pg_notify($7, revision::text) FROM written`,
    etag: `SELECT etag FROM ${s}.entities WHERE kind = $1 AND id = $2`,
    // Many puts (distinct keys) in one statement: arrays in, one row per entity and per change out.
    putMany: `WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
          AS t(kind, id, parent_id, name, properties, etag, revision)
      ), written AS (
        INSERT INTO ${s}.entities (kind, id, parent_id, name, properties, etag, revision)
        SELECT kind, id, parent_id, name, properties, etag, revision FROM input
        ${upsert}
      )
      INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name, properties, etag)
      SELECT revision, 'put', kind, id, parent_id, name, properties, etag FROM input`,
    deleteTree: `DELETE FROM ${s}.entities WHERE (kind = $1 AND id = $2) OR (id >= $3 AND id < $4)
      RETURNING kind, id, parent_id, name`,
    deleteChanges: `INSERT INTO ${s}.changes (revision, op, kind, id, parent_id, name)
      SELECT r, 'delete', k, i, p, n FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
        AS t(r, k, i, p, n)`,
    revision: `SELECT revision FROM ${s}.store_state WHERE id = 1`,
    get: `SELECT * FROM ${s}.entities WHERE kind = $1 AND id = $2`,
    list: `SELECT *, count(*) OVER () AS total FROM ${s}.entities
      WHERE kind = $1 AND ($2::text IS NULL OR parent_id = $2) ORDER BY id LIMIT $3 OFFSET $4`,
    count: `SELECT count(*) AS n FROM ${s}.entities WHERE kind = $1 AND ($2::text IS NULL OR parent_id = $2)`,
    // The horizon and the rows after it from one statement, so one snapshot: a prune committing in
    // between cannot make a reader skip changes without also seeing the horizon that says so. The
    // LEFT JOIN keeps one row (with a null revision) when there are no changes.
    changes: `SELECT st.pruned_through AS horizon, c.* FROM ${s}.store_state st LEFT JOIN LATERAL (
        SELECT * FROM ${s}.changes WHERE revision > GREATEST($1::bigint, st.pruned_through)
        ORDER BY revision LIMIT $2
      ) c ON true WHERE st.id = 1`,
    // Pruning, inside a write transaction that holds the store_state row lock.
    horizon: `SELECT pruned_through FROM ${s}.store_state WHERE id = 1`,
    firstYoung: `SELECT revision FROM ${s}.changes
      WHERE revision > $1 AND committed_at >= now() - $2::double precision * interval '1 millisecond'
      ORDER BY revision LIMIT 1`,
    prune: `WITH gone AS (DELETE FROM ${s}.changes WHERE revision <= $1)
      UPDATE ${s}.store_state SET pruned_through = $1 WHERE id = 1`,
    lockState: `SELECT revision FROM ${s}.store_state WHERE id = 1 FOR UPDATE`,
    everything: `SELECT * FROM ${s}.entities ORDER BY kind, id`,
  };
}

export type PgSql = ReturnType<typeof createPgSql>;
