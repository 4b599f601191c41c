CREATE TABLE t938 (id bigint PRIMARY KEY, name text NOT NULL);
