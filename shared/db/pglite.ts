/** Loads PGlite only when the embedded database is used: deployed functions never load it. */
export async function loadPglite() {
  const [{ PGlite }, { PGLiteSocketHandler }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  return { PGlite, PGLiteSocketHandler };
}

export type PGliteInstance = InstanceType<Awaited<ReturnType<typeof loadPglite>>['PGlite']>;
