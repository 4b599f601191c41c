CREATE TABLE t922 (id bigint PRIMARY KEY, name text NOT NULL);
