/**
 * Loads PGlite only when the embedded database is used: deployed functions never load it.
 * `extensions` are those the migrations create (pg_trgm, for the people list's name search):
 * every PGlite instance must be opened with them, or a database that has them cannot be used.
 */
export async function loadPglite() {
  const [{ PGlite }, { PGLiteSocketHandler }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  return { PGlite, PGLiteSocketHandler, extensions: { pg_trgm } };
}

export type PGliteInstance = InstanceType<Awaited<ReturnType<typeof loadPglite>>['PGlite']>;
