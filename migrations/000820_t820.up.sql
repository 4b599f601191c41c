CREATE TABLE t820 (id bigint PRIMARY KEY, name text NOT NULL);
