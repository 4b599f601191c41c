CREATE TABLE t644 (id bigint PRIMARY KEY, name text NOT NULL);
