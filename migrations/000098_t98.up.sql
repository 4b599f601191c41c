CREATE TABLE t98 (id bigint PRIMARY KEY, name text NOT NULL);
