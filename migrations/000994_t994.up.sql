CREATE TABLE t994 (id bigint PRIMARY KEY, name text NOT NULL);
