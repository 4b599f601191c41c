CREATE TABLE t191 (id bigint PRIMARY KEY, name text NOT NULL);
