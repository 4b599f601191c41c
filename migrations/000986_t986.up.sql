CREATE TABLE t986 (id bigint PRIMARY KEY, name text NOT NULL);
