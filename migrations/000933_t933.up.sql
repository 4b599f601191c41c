CREATE TABLE t933 (id bigint PRIMARY KEY, name text NOT NULL);
