CREATE TABLE t190 (id bigint PRIMARY KEY, name text NOT NULL);
