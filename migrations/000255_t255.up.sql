CREATE TABLE t255 (id bigint PRIMARY KEY, name text NOT NULL);
