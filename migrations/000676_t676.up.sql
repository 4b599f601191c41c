CREATE TABLE t676 (id bigint PRIMARY KEY, name text NOT NULL);
