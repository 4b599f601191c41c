CREATE TABLE t33 (id bigint PRIMARY KEY, name text NOT NULL);
