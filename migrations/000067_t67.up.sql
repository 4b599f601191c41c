CREATE TABLE t67 (id bigint PRIMARY KEY, name text NOT NULL);
