CREATE TABLE t347 (id bigint PRIMARY KEY, name text NOT NULL);
