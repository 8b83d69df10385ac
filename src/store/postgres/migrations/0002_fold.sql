-- Text compared the way people mean it (src/domain/text-fold.ts): trimmed, compatibility-
-- decomposed, without combining accents, lower case, ß as ss. `attendees list --search garcia`
-- finds José García on PostgreSQL as on SQLite (where the same function is registered in JS).
CREATE OR REPLACE FUNCTION evcred_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT replace(lower(regexp_replace(normalize(btrim(t, E' \t\r\n\f\v'), NFKD), '[\u0300-\u036f]', '', 'g')), 'ß', 'ss')
$$;
