CREATE TABLE t574 (id bigint PRIMARY KEY, name text NOT NULL);
